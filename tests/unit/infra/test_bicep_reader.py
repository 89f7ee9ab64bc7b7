"""The Bicep reader the infra tests rely on: it must read what it claims and refuse the rest."""

from __future__ import annotations

import pytest

from tests.unit.infra.bicep import BicepSyntaxError, Cond, Expr, Loop, Str, parse, tokenize

SAMPLE = """
targetScope = 'subscription' // comment
/* block
   comment */
@description('It\\'s a name')
@minLength(3)
param name string
param count int = 3
param flag bool = false
var tags = { a: 'x', 'b-c': '${name}-y' }
var list = [
  'one'
  two
]
resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = if (count > 1) {
  name: name
  properties: {
    allowSharedKeyAccess: false
    value: concat(
      count > 0 ? [{ n: 'x' }] : [],
      []
    )
  }
}
module m 'modules/x.bicep' = [
  for s in list: {
    name: 'm-${s}'
    scope: subscription(s)
  }
]
output id string = st.id
"""


def test_reads_declarations_values_and_decorators() -> None:
    f = parse(SAMPLE)
    assert f.target_scope == "subscription"
    assert f.params["name"].decorators == {"description": "'It\\'s a name'", "minLength": "3"}
    assert not f.params["name"].has_default
    assert f.params["count"].default == 3 and f.params["flag"].default is False
    assert f.vars["tags"]["a"] == Str("x", False)
    assert f.vars["tags"]["b-c"] == Str("${name}-y", True)
    assert f.vars["list"][0] == Str("one", False) and f.vars["list"][1].ident == "two"
    (st,) = f.resources
    assert (st.type, st.api_version) == ("Microsoft.Storage/storageAccounts", "2023-05-01")
    assert isinstance(st.body, Cond) and st.body.condition == "count > 1"
    assert st.properties["properties"]["allowSharedKeyAccess"] is False
    assert st.properties["properties"]["value"].text.startswith("concat (")
    (m,) = f.modules
    assert isinstance(m.body, Loop) and m.body.header == "s in list"
    assert m.properties["scope"].text == "subscription ( s )"
    assert isinstance(f.outputs["id"], Expr)


def test_string_call_and_ident_helpers() -> None:
    f = parse("var a = string(b)\nvar c = b\nvar d = b.c\n")
    assert f.vars["a"].call_of("string") == "b"
    assert f.vars["c"].ident == "b"
    assert f.vars["d"].ident is None


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("param x string = 'open\n", "unterminated string"),
        ("var x = {\n a: 1\n", "unclosed"),
        ("var x = { 3: 1 }\n", "expected an object key"),
        ("var x = [\n", "unclosed"),
        ("var x = [for a in b: {}\n", "expected"),
        ("var x = { a: 1, a: 2 }\n", "duplicate key"),
        ("bogus x\n", "expected a declaration"),
        ("var x = 1 #\n", "unexpected character"),
        ("resource r 'T@1' = {\n resource c 'x' = {}\n}\n", "nested resource"),
    ],
)
def test_refuses_what_it_cannot_read(source: str, message: str) -> None:
    with pytest.raises(BicepSyntaxError, match=message):
        parse(source)


def test_line_numbers_survive_comments_and_verbatim_strings() -> None:
    tokens = tokenize("/*\n\n*/ var x = '''\na\n'''\nvar y = 1")
    y = next(t for t in tokens if t.text == "y")
    assert y.line == 6
