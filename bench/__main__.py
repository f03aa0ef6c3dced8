"""Run every benchmark and print its figures: `make bench`."""

import os
import platform
from pathlib import Path

from bench import echo, matcher, memory, spoken, timing

cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")), platform.machine())
print(f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
      f"{platform.system()} {platform.release()}")
matcher.main()
spoken.main()
memory.main()
echo.main()
timing.main()
