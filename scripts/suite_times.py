"""Where `make test` spends its time: seconds per test file, from the JUnit report it writes.

``make test`` writes .cache/junit.xml; this sums the test times by file (setup and teardown
included), so the slowest files, which bound the run under ``--dist loadfile``, stand out.
"""

import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path


def per_file(path):
    seconds, counts = Counter(), Counter()
    for case in ET.parse(path).getroot().iter("testcase"):
        key = case.get("classname", "?")  # the module (tests.test_site), or a notebook's path
        seconds[key] += float(case.get("time", 0))
        counts[key] += 1
    return seconds, counts


def main(path=".cache/junit.xml"):
    seconds, counts = per_file(Path(path))
    total = sum(seconds.values())
    print(f"{total:8.1f} s in {sum(counts.values())} tests")
    for key, s in seconds.most_common(25):
        print(f"{s:8.1f} s {100 * s / total:5.1f} % {counts[key]:6d}  {key}")


if __name__ == "__main__":
    main(*sys.argv[1:])
