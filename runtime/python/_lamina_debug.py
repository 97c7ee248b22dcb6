"""lamina's Python runtime: the debugger of a function whose environment sets LAMINA_DEBUG_PORT (lamina's own;
Lambda has nothing like it).

debugpy listens on 127.0.0.1:<port> (VS Code's "attach"), and the runtime waits for a client before it
loads the handler (so breakpoints in module code work too) and before each invoke that finds none attached.
debugpy comes from the function: its code or a layer; else from the host's Debian package python3-debugpy,
whose folder serves the debugger's own modules only, so the function's sys.path stays as the managed runtime
builds it.

A helper of bootstrap.py, named ``_lamina_*`` so that it cannot shadow or be shadowed by a user module.
"""

import os
import socket
import sys
import time

from _lamina_errors import Fault

HOST = "127.0.0.1"
DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"
# The top-level modules of python3-debugpy and what it depends on (python3-pydevd, python3-bytecode).
DEBUGGER_MODULES = ("debugpy", "pydevd", "pydev_", "pydevconsole", "_pydev", "bytecode")
UNAVAILABLE = "Runtime.DebuggerUnavailable"


class _DebuggerModules(object):
    """Finds the debugger's top-level modules, and nothing else, in Debian's dist-packages.

    Last on sys.meta_path: the function's own modules always win. pydevd imports some modules late (when a
    client attaches), so the folder must stay reachable for them, not only for ``import debugpy``.
    """

    def find_spec(self, name, path=None, target=None):
        if path is not None or not name.startswith(DEBUGGER_MODULES):
            return None
        import importlib.machinery

        return importlib.machinery.PathFinder.find_spec(name, [DEBIAN_DIST_PACKAGES])


def _import_debugpy():
    try:
        import debugpy

        return debugpy
    except ImportError:
        pass
    finder = _DebuggerModules()
    sys.meta_path.append(finder)
    try:
        import debugpy

        return debugpy
    except Exception as e:
        # Not only ImportError: Debian's debugpy is written for its own python3 and may not even parse on an
        # older interpreter.
        sys.meta_path.remove(finder)
        raise Fault(
            UNAVAILABLE,
            "LAMINA_DEBUG_PORT is set but debugpy cannot be imported ({}). Add debugpy to the function's "
            "code or a layer (pip install debugpy -t python/), or install the host's python3-debugpy "
            "(apt-get install python3-debugpy), or remove LAMINA_DEBUG_PORT.".format(e),
        )


def _port_free(port):
    """Whether the port can be listened on now, as debugpy's adapter does it (with SO_REUSEADDR)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((HOST, port))
        return True
    except OSError:
        return False
    finally:
        probe.close()


class Debugger(object):
    def __init__(self, debugpy, port):
        self.debugpy = debugpy
        self.port = port

    def before_invoke(self):
        """Waits for a client when none is attached (one still attached from the last invoke goes on)."""
        if not self.debugpy.is_client_connected():
            sys.stdout.write(
                "LAMINA_NOTICE waiting for a debugger to attach on {}:{}\n".format(HOST, self.port)
            )
            self.debugpy.wait_for_client()


def start_debugger(port_text):
    """Listens on the port (lamina checked it is 1024-65535) and waits for a client; Fault when it cannot.

    Failing the init is deliberate: whoever set LAMINA_DEBUG_PORT wants to debug, and an invoke that answers
    Runtime.DebuggerUnavailable says at once how to fix it, where a function run without the debugger would
    only leave a line in its log while the breakpoints are silently ignored.
    """
    debugpy = _import_debugpy()
    port = int(port_text)
    # An environment stopped a moment ago may still hold the port.
    attempt = 0
    while not _port_free(port):
        attempt += 1
        if attempt == 30:
            raise Fault(
                UNAVAILABLE,
                "LAMINA_DEBUG_PORT={}: the debugger cannot listen on {}:{}, another program uses that port. "
                "Choose another port, or stop that program.".format(port_text, HOST, port),
            )
        time.sleep(0.1)
    # The 3.11+ warning about frozen modules is answered by lamina's -Xfrozen_modules=off; older debugpy
    # versions print it anyway.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    try:
        try:
            # The debugger in this process (debugpy 1.6+): no adapter process of its own, which would outlive
            # the environment (it leaves the process group) and hold the port. Subprocesses are not debugged.
            debugpy.listen((HOST, port), in_process_debug_adapter=True)
        except TypeError:
            debugpy.listen((HOST, port))
    except Exception as e:
        raise Fault(
            UNAVAILABLE,
            "LAMINA_DEBUG_PORT={}: debugpy could not start listening on {}:{}: {}".format(
                port_text, HOST, port, e
            ),
        )
    sys.stdout.write(
        "LAMINA_NOTICE debugger listening on {}:{} (debugpy); waiting for it to attach\n".format(HOST, port)
    )
    debugpy.wait_for_client()
    return Debugger(debugpy, port)
