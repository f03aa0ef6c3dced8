"""Run every benchmark and print its figures."""

from bench import matcher

matcher.main()
