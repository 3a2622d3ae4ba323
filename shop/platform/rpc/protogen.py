"""Write each contract's ``.proto`` from its Protocol, and compile it for Python.

    python -m shop.platform.rpc.protogen           # rewrite contracts/proto and the modules
    python -m shop.platform.rpc.protogen --check   # exit 1 when either is out of date

The ``.proto`` files under ``contracts/proto/`` are the language-neutral wire contract;
the compiled modules under ``shop/platform/rpc/generated/`` are committed, because the
compiler (grpcio-tools) is a development tool, not a run-time dependency. A test runs
``--check``, so a contract change the wire does not follow fails the build.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib
import pkgutil
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from shop.platform.rpc.schema import ContractSchema, FieldSpec, contract_schema, message_fields

ROOT = Path(__file__).resolve().parents[3]
PROTO_DIR = ROOT / "contracts" / "proto"
GENERATED_DIR = Path(__file__).resolve().parent / "generated"

HEADER = (
    "// Generated from contracts/{key}.py by `python -m shop.platform.rpc.protogen`: do not edit."
)


def contracts() -> list[type]:
    """The published contract Protocols: those defined in the ``contracts`` modules."""
    import contracts as package

    found = []
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package.__name__}.{module_info.name}")
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and value.__module__ == module.__name__
            and getattr(value, "_is_protocol", False)
        ]
    return found


def render_proto(schema: ContractSchema) -> str:
    """The ``.proto`` text of one contract: enums, messages, requests, errors, service."""
    lines = [
        HEADER.format(key=schema.key),
        'syntax = "proto3";',
        "",
        f"package {schema.package};",
    ]
    imports = [f'import "google/protobuf/{name}.proto";' for name in _well_known_types(schema)]
    if imports:
        lines += ["", *imports]
    for enum_cls in schema.enums:
        prefix = _upper_snake(enum_cls.__name__)
        lines += ["", f"enum {enum_cls.__name__} {{", f"  {prefix}_UNSPECIFIED = 0;"]
        for number, member in enumerate(enum_cls, start=1):
            lines.append(f"  {prefix}_{member.name} = {number};  // {member.value!r}")
        lines.append("}")
    for cls in schema.messages:
        lines += _message(cls.__name__, message_fields(cls))
    for method in schema.methods:
        lines += _message(method.request_name, method.params)
        lines += _message(method.response_name, (method.result,))
    lines += ["", "// Contract errors: sent in trailing metadata (shop-error, shop-error-bin)."]
    for error in schema.errors:
        lines += _message(error.name, error.fields)
    lines += ["", f"service {schema.contract.__name__} {{"]
    for method in schema.methods:
        option = "  // idempotent: retried by clients" if method.idempotent else ""
        lines.append(
            f"  rpc {method.rpc_name}({method.request_name}) "
            f"returns ({method.response_name});{option}"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _message(name: str, fields: Iterable[FieldSpec]) -> list[str]:
    lines = ["", f"message {name} {{"]
    for field in fields:
        if field.shape == "map":
            assert field.key is not None
            kind = f"map<{field.key.proto_name}, {field.type.proto_name}>"
        elif field.shape == "repeated":
            kind = f"repeated {field.type.proto_name}"
        elif field.shape == "optional":
            kind = f"optional {field.type.proto_name}"
        else:
            kind = field.type.proto_name
        lines.append(f"  {kind} {field.name} = {field.number};")
    lines.append("}")
    return lines


def _well_known_types(schema: ContractSchema) -> list[str]:
    fields = [
        field
        for fields in (
            *(message_fields(cls) for cls in schema.messages),
            *(method.params for method in schema.methods),
            *((method.result,) for method in schema.methods),
            *(error.fields for error in schema.errors),
        )
        for field in fields
    ]
    kinds = {field.type.kind for field in fields}
    wanted = (("duration", "duration"), ("datetime", "timestamp"))
    return [name for kind, name in wanted if kind in kinds]


def _upper_snake(name: str) -> str:
    return "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(name)).upper()


def write(proto_dir: Path, generated_dir: Path) -> list[Path]:
    """Write every ``.proto`` into ``proto_dir`` and compile them into ``generated_dir``."""
    from grpc_tools import protoc  # a development dependency: only the generator needs it

    proto_dir.mkdir(parents=True, exist_ok=True)
    generated_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for contract in contracts():
        schema = contract_schema(contract)
        path = proto_dir / f"{schema.key}.proto"
        path.write_text(render_proto(schema))
        written.append(path)
    well_known = Path(protoc.__file__).parent / "_proto"
    for path in written:
        status = protoc.main(
            [
                "grpc_tools.protoc",
                f"-I{proto_dir}",
                f"-I{well_known}",
                f"--python_out={generated_dir}",
                f"--pyi_out={generated_dir}",
                str(path),
            ]
        )
        if status != 0:
            raise RuntimeError(f"protoc failed on {path.name}")
    return written


def out_of_date() -> list[str]:
    """The committed files that differ from what the contracts generate now."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh_proto, fresh_generated = Path(scratch, "proto"), Path(scratch, "generated")
        write(fresh_proto, fresh_generated)
        stale = []
        pairs = ((fresh_proto, PROTO_DIR), (fresh_generated, GENERATED_DIR))
        for fresh_dir, committed_dir in pairs:
            for fresh in sorted(fresh_dir.iterdir()):
                committed = committed_dir / fresh.name
                if not committed.exists() or not filecmp.cmp(fresh, committed, shallow=False):
                    stale.append(_shown(committed))
        return stale


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shop.platform.rpc.protogen",
        description="Generate the contracts' .proto files and their Python modules.",
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if any file is out of date"
    )
    options = parser.parse_args(argv)
    if options.check:
        stale = out_of_date()
        if stale:
            print(f"out of date (run python -m shop.platform.rpc.protogen): {', '.join(stale)}")
            return 1
        print("the .proto files and generated modules match the contracts")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        # Written aside first: a failure leaves the committed files as they were.
        fresh_proto, fresh_generated = Path(scratch, "proto"), Path(scratch, "generated")
        written = write(fresh_proto, fresh_generated)
        for fresh in fresh_proto.iterdir():
            shutil.copyfile(fresh, PROTO_DIR / fresh.name)
        for fresh in fresh_generated.iterdir():
            shutil.copyfile(fresh, GENERATED_DIR / fresh.name)
    print(f"wrote {len(written)} .proto files and their modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
