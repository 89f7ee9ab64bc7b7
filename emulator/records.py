"""The emulator's own records, typed: of one subscription, a migration unit's record, an
asynchronous operation, an ARM resource group and an ARM resource; shared by all, the admin
API's controls (an injected fault, the operations' progress, the settings).

The platform's documents (the classic estate, an ARM resource's wire document) stay JSON dicts:
they are what the wire answers are made of, one shape per resource type. These records are the
emulator's bookkeeping around them, and a resource group (whose ARM document is fixed but for its
id, name and location); each is persisted and shown by the admin API (`GET /admin/state`,
`/admin/operations`, `/admin/faults`, …) as `to_json()` gives it — the same keys the state file
has always had.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Record(BaseModel):
    """Fields in snake case, JSON keys in camel case (`resource_group` ↔ `resourceGroup`), as the
    state file and the admin API have always spelled them."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class UnitRecord(Record):
    """Where a migration unit (`KIND/NAME`) stands: `state` is the platform's `MigrationState`
    (None: not prepared), the rest what prepare recorded so that a quota check, an abort or the
    admin API can use it."""

    state: str | None = None
    previous: str | None = None  # the state before the running operation began
    aborted: bool = False  # back to not prepared by an abort (reads say `None`)
    resource_group: str | None = None
    usage: dict[str, int] = Field(default_factory=dict)  # of each `armQuotas` key
    deviations: list[str] | None = None  # applied by `deviate` faults
    role_states: dict[str, str] | None = None  # a cloud service's roles before prepare

    def to_json(self) -> dict[str, Any]:
        """`state`, and each other field once it differs from its default."""
        return {"state": self.state, **self.model_dump(by_alias=True, exclude_defaults=True)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnitRecord:
        return cls.model_validate(data)


class Operation(Record):
    """An asynchronous operation (`x-ms-request-id` → `GET /operations/{id}`): InProgress until
    `due` (None: until the admin API completes it), then Succeeded or Failed."""

    id: str
    kind: str  # prepare, commit, abort, noop:…, a write (`start:role` …), `vm:…`
    unit: str | None
    status: str = "InProgress"
    created: float  # platform seconds
    due: float | None
    http_status_code: int = 202
    error: dict[str, Any] | None = None  # {"code", "message"} once Failed
    data: dict[str, Any] = Field(default_factory=dict)
    failure: dict[str, Any] | None = None  # planned by a fault: {"code", "message"}
    finished: float | None = None  # platform seconds; absent until then

    def migration_unit(self) -> str:
        """The unit a migration operation works on (prepare, commit and abort always name one)."""
        if self.unit is None:
            raise LookupError(f"emulator: operation {self.id} ({self.kind}) names no unit")
        return self.unit

    def to_json(self) -> dict[str, Any]:
        """Every field under its JSON key, `finished` once there is one. Built from the fields in
        their declared order without copying the values, as `model_dump` would on every save of
        a state with thousands of operations: callers write the result out at once."""
        out = dict(zip(_OPERATION_KEYS, self.__dict__.values(), strict=True))
        if self.finished is None:
            del out["finished"]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Operation:
        return cls.model_validate(data)


_OPERATION_KEYS = tuple(to_camel(name) for name in Operation.model_fields)


class ResourceGroup(Record):
    """An ARM resource group, made by a prepare (`unit`; `committed` once that unit is) or by
    an ExpressRoute circuit's move to ARM."""

    id: str
    name: str
    location: str
    unit: str | None = None
    committed: bool = False

    @classmethod
    def create(cls, subscription: str, name: str, location: str) -> ResourceGroup:
        return cls(id=f"/subscriptions/{subscription}/resourceGroups/{name}", name=name, location=location)

    def wire(self) -> dict[str, Any]:
        """The group as ARM answers it."""
        return {
            "id": self.id,
            "name": self.name,
            "type": "Microsoft.Resources/resourceGroups",
            "location": self.location,
            "tags": {},
            "properties": {"provisioningState": "Succeeded"},
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.wire(), **self.model_dump(include={"unit", "committed"}, exclude_defaults=True)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ResourceGroup:
        return cls.model_validate(data)  # the wire's fixed keys are ignored


class ArmResource(Record):
    """An ARM resource the emulator serves: its wire document (`doc`, what a GET answers, as the
    translation or an operation built it: `id`, `name`, `type`, `location`, `properties` …) and
    the emulator's own state of it, never on the wire (`power`: a VM's power state once an
    operation set it; None, running, before)."""

    doc: dict[str, Any]
    power: str | None = None

    @property
    def id(self) -> str:
        return str(self.doc["id"])

    @property
    def name(self) -> str:
        return str(self.doc["name"])

    @property
    def type(self) -> str:
        return str(self.doc["type"])

    @property
    def properties(self) -> dict[str, Any]:
        properties: dict[str, Any] = self.doc["properties"]
        return properties

    def to_json(self) -> dict[str, Any]:
        """The document with `power` beside its keys, as the state file has always kept it."""
        return {**self.doc, "power": self.power} if self.power else self.doc

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArmResource:
        """A document with the emulator's keys beside its own (as saved, or as the translation
        builds a VM with its `power`): they come out of it (`unit` and `committed`, which an
        older emulator kept there and nothing reads, are dropped)."""
        doc = {key: value for key, value in data.items() if key not in _RESOURCE_STATE}
        return cls(doc=doc, power=data.get("power"))


_RESOURCE_STATE = ("power", "unit", "committed")


class Fault(Record):
    """An injected fault (docs/emulator.md, "Faults"), as `emulator/faults.py` checked it: which
    requests or operations it `match`es (by method, path, api, unit, operation), how often it
    fires (`probability`, at most `count` times; `fired` so far) and its `action`, whose keys
    depend on its `type` and are answered back as the caller gave them."""

    id: str
    match: dict[str, Any]
    probability: float
    count: int | None
    action: dict[str, Any]
    fired: int = 0

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        return cls.model_validate(data)


DEFAULT_DURATIONS: dict[str, int | float] = {  # platform seconds
    "prepare": 4.0,
    "commit": 3.0,
    "abort": 3.0,
    "write": 1.0,  # management-plane writes (add disk, role start/shutdown, delete …)
    "convert": 5.0,  # ARM convertToManagedDisks of a migrated VM
}


class Progress(Record):
    """How operations progress (`PUT /admin/progress`): `timed` (each kind takes its `durations`
    entry, platform seconds), `immediate`, or `manual` (until the admin API completes them)."""

    mode: str = "timed"
    durations: dict[str, int | float] = Field(default_factory=lambda: dict(DEFAULT_DURATIONS))

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Progress:
        return cls.model_validate(data)


class Settings(Record):
    """The emulator's settings (`PUT /admin/settings`): the ARM list page size, and once set, the
    deviation switches' positions (`emulator/switches.py`) and the fault-domain limit of each ARM
    location."""

    arm_page_size: int = 100
    switches: dict[str, Any] | None = None
    max_fault_domains: dict[str, int] | None = None

    def to_json(self) -> dict[str, Any]:
        """`armPageSize`, and the others once set (a switch set to null stays in `switches`)."""
        return {key: value for key, value in self.model_dump(by_alias=True).items() if value is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        return cls.model_validate(data)
