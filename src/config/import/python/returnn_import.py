"""Runs a RETURNN config as the Python program it is and prints its globals as JSON.

Used by `repronet import` (src/config/import/run.ts), never by training. Usage:

    python3 returnn_import.py CONFIG

As in RETURNN (returnn/config.py:Config.load_file) the file is executed with its
globals as the config's dict, with `config` (RETURNN's accessors: typed_value,
value, int, bool, float, list, has, ...) and `__file__` set, and the config's
folder on sys.path. Imports of `returnn` (and its old top-level names
`Pretrain`, `TFUtil`, `Util`, ...) and `tensorflow` get permissive stubs;
`numpy` gets one only when the real one is missing. Sockets are disabled.

Everything the config prints goes to stderr; stdout carries exactly one JSON
object:

    {"ok": true, "globals": {name: value}, "unexpressible": {name: what},
     "functions": [names], "pretrain_steps": [net dicts] | null, "notes": [...]}
    {"ok": false, "error": "ValueError: ...", "line": 12}
"""

import copy
import importlib.abc
import importlib.machinery
import json
import math
import os
import socket
import sys
import traceback
import types

MAX_PRETRAIN_STEPS = 1000
CONFIG_MODULE = "__returnn_config__"

# --- permissive stand-ins for what a config may touch at load time ----------------


class Opaque:
    """Any attribute, call, index or arithmetic gives another Opaque: enough to *define* things."""

    def __init__(self, name):
        object.__setattr__(self, "_name", name)

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return Opaque("%s.%s" % (self._name, attr))

    def __setattr__(self, attr, value):
        pass

    def __call__(self, *args, **kwargs):
        return Opaque("%s(...)" % self._name)

    def __getitem__(self, item):
        return Opaque("%s[...]" % self._name)

    def __iter__(self):
        return iter(())

    def __mro_entries__(self, bases):
        return (object,)

    def __repr__(self):
        return "<%s>" % self._name

    def _same(self, *args):
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __neg__ = __pow__ = _same


class Dim:
    """returnn.tf.util.data.Dim (also SpatialDim, FeatureDim): a named axis, maybe with a size."""

    def __init__(self, description=None, dimension=None, kind=None, **kwargs):
        if isinstance(description, int) and dimension is None:
            description, dimension = None, description
        self.description = description
        self.dimension = dimension
        self.kind = kind

    def __repr__(self):
        return "Dim(%r, %r)" % (self.description, self.dimension)

    def __mul__(self, other):
        return Dim("%s*%s" % (self.description, other), None)

    __rmul__ = __add__ = __radd__ = __mul__


def SpatialDim(description, dimension=None, **kwargs):
    return Dim(description, dimension, kind="spatial")


def FeatureDim(description, dimension, **kwargs):
    return Dim(description, dimension, kind="feature")


class WrapEpochValue:
    """returnn.pretrain.WrapEpochValue: a value that depends on the epoch (not expressible as data)."""

    def __init__(self, func):
        self.func = func


class Config:
    """RETURNN's config accessors over the config's globals (returnn/config.py:Config)."""

    def __init__(self, typed_dict=None):
        self.typed_dict = typed_dict if typed_dict is not None else {}
        self.files = []

    def has(self, key):
        return key in self.typed_dict

    def is_typed(self, key):
        return key in self.typed_dict

    def is_true(self, key, default=False):
        return bool(self.typed_dict.get(key, default))

    def set(self, key, value):
        self.typed_dict[key] = value

    def typed_value(self, key, default=None, index=None):
        value = self.typed_dict.get(key, default)
        if index is not None and isinstance(value, (list, tuple)):
            value = value[index]
        return value

    def opt_typed_value(self, key, default=None):
        return self.typed_dict.get(key, default)

    def get_of_type(self, key, types_, default=None):
        value = self.typed_dict.get(key, default)
        return value if isinstance(value, types_) else default

    def value(self, key, default=None, index=None, list_join_str=","):
        if key not in self.typed_dict:
            return default
        value = self.typed_dict[key]
        if isinstance(value, (list, tuple)):
            if index is not None:
                return str(value[index])
            return list_join_str.join(str(v) for v in value)
        return None if value is None else str(value)

    def int(self, key, default, index=0):
        value = self.typed_dict.get(key, default)
        if isinstance(value, (list, tuple)):
            value = value[index]
        return default if value is None else int(value)

    def float(self, key, default, index=0):
        value = self.typed_dict.get(key, default)
        if isinstance(value, (list, tuple)):
            value = value[index]
        return default if value is None else float(value)

    def bool(self, key, default, index=0):
        value = self.typed_dict.get(key, default)
        if isinstance(value, str):
            return value.lower() in ("true", "1", "yes", "on")
        return default if value is None else bool(value)

    def bool_or_other(self, key, default=None, index=0):
        return self.typed_dict.get(key, default)

    def list(self, key, default=None):
        value = self.typed_dict.get(key, default)
        if value is None:
            return default
        return list(value) if isinstance(value, (list, tuple)) else [value]

    def int_list(self, key, default=None):
        value = self.list(key, default)
        return value if value is None else [int(v) for v in value]

    def float_list(self, key, default=None):
        value = self.list(key, default)
        return value if value is None else [float(v) for v in value]


_GLOBAL_CONFIG = Config()

# Old top-level module names of RETURNN (before the `returnn` package) and other roots we stub.
STUB_ROOTS = {
    "returnn", "tensorflow", "Pretrain", "TFUtil", "Util", "TFNetworkLayer", "TFNetworkRecLayer",
    "TFNetwork", "TFEngine", "TFUpdater", "Config", "Log", "Engine", "Dataset", "GeneratingDataset",
    "LmDataset", "HDFDataset", "NativeOp", "TFNativeOp", "rnn", "better_exchook", "h5py", "horovod",
}
SPECIAL = {
    "Dim": Dim, "SpatialDim": SpatialDim, "FeatureDim": FeatureDim, "batch_dim": Dim("batch"),
    "single_step_dim": Dim("single-step", 1), "WrapEpochValue": WrapEpochValue, "Config": Config,
    "get_global_config": lambda **kwargs: _GLOBAL_CONFIG,
}


class StubModule(types.ModuleType):
    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        if attr in SPECIAL:
            return SPECIAL[attr]
        return Opaque("%s.%s" % (self.__name__, attr))


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, roots):
        self.roots = roots

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] not in self.roots:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


def install_stubs():
    sys.meta_path.insert(0, StubFinder(STUB_ROOTS))
    # numpy only when the real one is missing: this finder comes last.
    sys.meta_path.append(StubFinder({"numpy"}))


def fixed_user():
    """os.getlogin() needs a terminal (configs use it in paths); a fixed name keeps the import deterministic."""
    os.getlogin = lambda: "user"


def disable_network():
    def refuse(*args, **kwargs):
        raise OSError("network access is disabled while importing a config")

    socket.socket.connect = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse


def json_remove_comments(text):
    """`//` and `/* */` comments outside strings removed, as returnn.util.basic.json_remove_comments does."""
    out = []
    i = 0
    in_string = False
    while i < len(text):
        c = text[i]
        if in_string:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1 : i + 2])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = len(text) if end < 0 else end + 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


# --- values → JSON ------------------------------------------------------------------


class Unexpressible(Exception):
    def __init__(self, path, what):
        super().__init__("%s: %s" % (path, what))
        self.path = path
        self.what = what


def describe(value):
    if isinstance(value, types.FunctionType):
        return "function %s" % value.__name__
    if isinstance(value, type):
        return "class %s" % value.__name__
    if isinstance(value, types.ModuleType):
        return "module %s" % value.__name__
    return "object of type %s" % type(value).__name__


def to_json(value, path, lenient=False, notes=None):
    """Plain data as JSON values; tuples become lists. lenient: unexpressible leaves become marker strings."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Unexpressible(path, "non-finite number %r" % value)
        return float(value)
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return to_json(value.item(), path, lenient, notes)
    if isinstance(value, (list, tuple)):
        return [to_json(v, "%s[%d]" % (path, i), lenient, notes) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, (str, int, float)) or isinstance(k, bool):
                raise Unexpressible(path, "dict key of type %s" % type(k).__name__)
            out[str(k)] = to_json(v, "%s/%s" % (path, k), lenient, notes)
        return out
    if lenient:
        notes.append("%s: %s cannot be written as data (kept as a string)" % (path, describe(value)))
        return "<python: %s>" % describe(value)
    raise Unexpressible(path, describe(value))


# --- pretraining ----------------------------------------------------------------------


def pretrain_steps(ns):
    """RETURNN's Pretrain._construct_epochs_custom: call the algo until it returns a falsy value."""
    pretrain = ns.get("pretrain")
    if not isinstance(pretrain, dict):
        return None
    algo = pretrain.get("construction_algo", ns.get("pretrain_construction_algo"))
    if not callable(algo):
        return None
    network = ns.get("network")
    steps = []
    idx = 0
    while True:
        if idx >= MAX_PRETRAIN_STEPS:
            raise RuntimeError(
                "pretrain construction_algo returned a network for %d steps (return None to stop)" % idx
            )
        net_dict = algo(idx=idx, net_dict=copy.deepcopy(network))
        if not net_dict:
            return steps
        steps.append(net_dict)
        idx += 1


# --- main -------------------------------------------------------------------------------


def config_line(tb, filename):
    """The innermost traceback line inside the config file."""
    line = None
    for frame in traceback.extract_tb(tb):
        if frame.filename == filename:
            line = frame.lineno
    return line


def main():
    filename = os.path.abspath(sys.argv[1])
    result_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # whatever the config prints (also from C code) goes to stderr
    sys.stdout = sys.stderr
    install_stubs()
    disable_network()
    fixed_user()
    sys.path.insert(0, os.path.dirname(filename))
    sys.setrecursionlimit(10000)
    ns = _GLOBAL_CONFIG.typed_dict
    ns.update({"config": _GLOBAL_CONFIG, "__file__": filename, "__name__": CONFIG_MODULE})
    try:
        with open(filename, encoding="utf-8") as f:
            source = f.read().strip()
        if source.startswith("{") and not source.startswith("#!") and not filename.endswith(".py"):
            ns.update(json.loads(json_remove_comments(source)))  # RETURNN's JSON config (comments allowed)
        else:
            exec(compile(source, filename, "exec"), ns, ns)
        steps = pretrain_steps(ns)
    except BaseException as e:  # noqa: B902 -- SystemExit from the config is an error too
        tb = sys.exc_info()[2]
        message = ("%s: %s" % (type(e).__name__, e)).strip().splitlines()[0] if str(e) else type(e).__name__
        line = e.lineno if isinstance(e, SyntaxError) and e.filename == filename else config_line(tb, filename)
        json.dump({"ok": False, "error": message, "line": line}, result_out)
        result_out.flush()
        return
    out = {"ok": True, "globals": {}, "unexpressible": {}, "functions": [], "pretrain_steps": None, "notes": []}
    for name, value in ns.items():
        if name.startswith("__") or name == "config" or isinstance(value, types.ModuleType):
            continue
        if isinstance(value, (types.FunctionType, type)):
            if getattr(value, "__module__", None) == CONFIG_MODULE:  # imported ones are not the config's
                out["functions"].append(name)
            continue
        lenient = name in ("network",)
        try:
            out["globals"][name] = to_json(value, name, lenient, out["notes"])
        except Unexpressible as e:
            out["unexpressible"][name] = e.what if e.path == name else "%s (at %s)" % (e.what, e.path)
    if steps is not None:
        algo = ns["pretrain"].get("construction_algo", ns.get("pretrain_construction_algo"))
        if getattr(algo, "__name__", None) in out["functions"]:
            out["functions"].remove(algo.__name__)
        # The algo itself is replaced by its evaluated steps; the other pretrain options stay data.
        options = {k: v for k, v in ns["pretrain"].items() if k != "construction_algo"}
        out["globals"]["pretrain"] = to_json(options, "pretrain", True, out["notes"])
        out["unexpressible"].pop("pretrain", None)
        out["pretrain_steps"] = [
            to_json(step, "pretrain step %d" % i, True, out["notes"]) for i, step in enumerate(steps)
        ]
    json.dump(out, result_out, ensure_ascii=False)
    result_out.flush()


if __name__ == "__main__":
    main()
