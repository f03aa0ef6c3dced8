"""The matcher's thresholds and the intents its rules treat apart: how like an example sentence
an utterance, or a part of one, must be to count, and how many of its words are tried (the recipe
is matcher.py's docstring).
"""

CUTOFF = 80.0
"""Lowest similarity (0-100) of the best example sentence for a match."""
SHORT_CUTOFF = 90.0
"""Lowest similarity for an utterance of at most ``SHORT_CHARS`` characters."""
SHORT_CHARS = 4
MARGIN = 5.0
"""How far the winning intent must lead the runner-up."""
PAIN_CUTOFF = 70.0
"""Lowest similarity to a pain example sentence that already counts as pain."""
PAIN_SPAN_CUTOFF = 90.0
"""Lowest similarity of a run of words within the utterance to a pain example sentence."""
BODY_OUTRANKS = ("yes", "no", "pain_rating", "stop", "pause", "resume", "next", "repeat", "slower",
                 "faster", "switch_sides")
"""Intents that talk of "my" body part turns to pain ("stop stop my knee", "yes my back"), where
questions about an exercise keep their meaning ("does the bridge help my back")."""
URGENT = ("stop", "pause")
"""Intents acted on from a partial result, besides pain."""
URGENT_CUTOFF = 90.0
COUNTERMANDED = ("start_exercise", "start_routine", "resume", "next", "repeat", "slower", "faster",
                 "set_reps", "set_hold", "switch_sides", "yes")
"""Commands and the yes not taken when a denial (``body_denials``) that their sentence lacks
comes just before one of its words: "don't skip this one", "don't do twelve reps",
"not sure"; not "i don't want to do this one, skip". A stop or pause is obeyed all the same, as it
is from a partial result."""
LEAD_INS = {"yes": 2, "no": 1}
"""Answer intents whose short sentences (up to so many words) may lead into a command that is
then obeyed on its own ("okay i'm back", "no keep going"), when the whole is not understood."""
LEAD_IN_CUTOFF = 88.0
"""Lowest similarity of the command after a lead-in: a second guess must be a close one."""
TAIL_CUTOFF = 95.0
"""Lowest similarity of the command that ends an utterance not understood as a whole."""
TAIL_WORDS = 3
"""Fewest words of that command: two are too often a phrase of another sentence ("how does a
bridge hold up" is no "hold up")."""
TAIL_MAX_WORDS = 8
"""Most words of that command: longer endings are seldom one, and each costs a full match."""

QUESTIONS = ("exercise_benefits", "exercise_instructions")
"""Intents whose sentence may open an utterance that goes on: a question about an exercise, then
a remark ("what's the right way to do a hip thrust i don't want to mess it up")."""
QUESTION_WORDS = 4
"""Fewest words of that opening."""
QUESTION_MAX_WORDS = 12
"""Most words of that opening: each costs a full match."""

LINE_WORDS = 40
"""Most words of an utterance whose every part is matched (each spoken or typed in the
development and held-out sets has at most 32). A longer line, most likely pasted, is read whole
for pain, and for a command only in its last LINE_WORDS words: matching it all would take more
than linear time in its length (a pasted 26 KB line kept the coach from a typed "it hurts" after
it for 23 s)."""

MEMO_SIZE = 4096
"""How many utterances the matcher remembers the meaning of (it forgets them all at once)."""
