"""lamina's Python runtime: the runtime the function declares, and ``sys.path`` as the managed runtime
builds it.

A helper of bootstrap.py, named ``_lamina_*`` so that it cannot shadow or be shadowed by a user module.
"""

import os
import sys

RUNTIME_DIR = os.path.dirname(os.path.realpath(os.path.abspath(__file__)))


def declared_version():
    """(major, minor) of the runtime the function declares, from AWS_EXECUTION_ENV=AWS_Lambda_python3.X.

    lamina may run a python3.12 function on another interpreter; the paths and the JSON encoding must
    follow the declared runtime, not the interpreter.
    """
    # Parsed by hand: ``re`` is a costly import at start-up, and nothing else here needs it.
    env = os.environ.get("AWS_EXECUTION_ENV", "")
    at = env.find("python")
    while at >= 0:
        major, dot, rest = env[at + len("python"):].partition(".")
        minor = rest[: len(rest) - len(rest.lstrip("0123456789"))]
        if major and not major.strip("0123456789") and dot and minor:
            return int(major), int(minor)
        at = env.find("python", at + 1)
    return sys.version_info[0], sys.version_info[1]


DECLARED = declared_version()
DECLARED_TEXT = "%d.%d" % DECLARED


# ---------------------------------------------------------------------------------------------------------
# sys.path (section A3)


def setup_sys_path():
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    opt = os.environ.get("LAMINA_OPT_DIR") or "/opt"
    opt_python = os.path.join(opt, "python")
    opt_site_packages = os.path.join(opt, "python", "lib", "python" + DECLARED_TEXT, "site-packages")
    pythonpath_set = "PYTHONPATH" in os.environ

    # The interpreter put this file's folder first; the function must not see lamina's runtime there.
    if sys.path:
        try:
            first = os.path.realpath(os.path.abspath(sys.path[0] or os.getcwd()))
        except Exception:
            first = None
        if first == RUNTIME_DIR:
            del sys.path[0]

    if not pythonpath_set:
        # AWS also inserts /var/lang/lib/python3.X/site-packages after /opt/python on 3.11+; lamina has
        # no /var/lang, the interpreter's own site-packages stay where Python put them.
        sys.path.insert(0, opt_python)
        sys.path.insert(0, opt_site_packages)
    sys.path.insert(0, task_root)

    # .pth files in the function and the layers.
    import site

    site.addsitedir(task_root)
    if not pythonpath_set:
        site.addsitedir(opt_site_packages)
        site.addsitedir(opt_python)
        os.environ["PYTHONPATH"] = RUNTIME_DIR

