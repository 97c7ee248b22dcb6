"""lamina's runtime client for Python functions (the loop itself is in _lamina_main.py).

lamina starts this file as ``python3.X -u -s -S <runtime dir>/bootstrap.py`` with the working directory set to
LAMBDA_TASK_ROOT, as AWS starts ``/var/runtime/bootstrap.py``. A script is compiled on every start, a module's
bytecode can be read from ``__pycache__``; so this file only imports the module that does the work. lamina
compiles that bytecode itself, into a copy of this folder in its cache (src/execution/python-bytecode.ts),
because the folder is mounted read-only and nothing here may write to it.

It must stay importable by every interpreter from 3.6 to 3.13, and it uses only the standard library.
"""

import sys

# Bytecode is read, never written: neither for lamina's modules nor for what they import while this is set.
_dont_write_bytecode = sys.dont_write_bytecode
sys.dont_write_bytecode = True
try:
    from _lamina_main import main
finally:
    sys.dont_write_bytecode = _dont_write_bytecode

if __name__ == "__main__":
    main()
