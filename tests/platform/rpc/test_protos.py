"""The .proto files follow the contracts: a contract change the wire misses fails here."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest

from contracts.inventory import InventoryService
from shop.platform.rpc import protogen
from shop.platform.rpc.schema import UnsupportedType, contract_schema, field_spec


def test_the_committed_protos_and_modules_match_the_contracts():
    assert protogen.out_of_date() == []


def test_a_proto_that_no_longer_matches_its_contract_is_reported(tmp_path, monkeypatch):
    committed = tmp_path / "proto"
    shutil.copytree(protogen.PROTO_DIR, committed)
    edited = committed / "inventory.proto"
    # As if a field were added to StockLine and the .proto not regenerated.
    edited.write_text(edited.read_text().replace("  int64 quantity = 2;\n", "", 1))
    monkeypatch.setattr(protogen, "PROTO_DIR", committed)

    assert protogen.out_of_date() == [str(edited)]
    assert protogen.main(["--check"]) == 1


def test_every_contract_method_is_an_rpc_and_idempotency_is_read_from_the_contract():
    schema = contract_schema(InventoryService)
    text = protogen.render_proto(schema)

    assert [m.name for m in schema.methods][:2] == ["get_products", "reserve"]
    assert "rpc Reserve(ReserveRequest) returns (ReserveResponse);  // idempotent" in text
    assert "rpc Restock(RestockRequest) returns (RestockResponse);\n" in text
    assert "message InsufficientStock {\n  repeated string skus = 1;\n}" in text
    assert "optional google.protobuf.Timestamp expires_at = 4;" in text


@pytest.mark.parametrize("hint", [float, set[int], tuple[int, str], int | str, timedelta | int])
def test_a_type_the_wire_cannot_carry_is_refused(hint):
    with pytest.raises(UnsupportedType):
        field_spec("value", 1, hint)
