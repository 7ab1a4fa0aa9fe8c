"""What `text=True` decodes with: this interpreter's locale encoding, or UTF-8 in UTF-8 mode.

The child writes the UTF-8 bytes of 'café'; the parent reads them with text=True, then with
encoding="utf-8". Run it with different LC_ALL / PYTHONUTF8 settings to see the difference.
"""

import locale
import subprocess
import sys

sys.stdout.reconfigure(encoding="utf-8")  # this report itself is UTF-8, whatever the locale
child = [sys.executable, "-c", "import sys; sys.stdout.buffer.write('caf\\xe9'.encode())"]
print(f"utf8_mode={sys.flags.utf8_mode} encoding={locale.getpreferredencoding(False)}")
try:
    decoded = subprocess.run(child, capture_output=True, text=True, timeout=30).stdout
    print(f"text=True: {decoded!r}")
except UnicodeDecodeError as error:
    print(f"text=True: UnicodeDecodeError ({error.encoding})")
explicit = subprocess.run(child, capture_output=True, encoding="utf-8", timeout=30).stdout
print(f"encoding='utf-8': {explicit!r}")
