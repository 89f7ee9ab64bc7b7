"""Every message the emulated ARM side says, by key (the ASM side's are in emulator/asm/messages.py).

One catalogue so docs/fidelity.md can give each its source and the test that pins it
(`tests/integration/fidelity/test_catalogue.py` fails on a key without a row and on a sentence written in
`emulator/arm/` outside this file).
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "arm.group-not-found": "Resource group '{group}' could not be found.",
    "arm.resource-not-found": "The Resource '{rtype}/{name}' under resource group '{group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",  # noqa: E501
    "arm.bad-paging": "$skiptoken and $top must be integers.",
    "arm.path-not-supported": "The resource path '{path}' is not supported by the emulator.",
    "arm.read-only": "The emulator's ARM side is read-only: {method} {path} is not supported (resources are created by the platform's prepare).",  # noqa: E501
    "arm.convert-refused": "Operation 'convertToManagedDisks' is not allowed on VM '{vm}' since {why}",
    "arm.convert.managed": "the VM already uses managed disks.",
    "arm.convert.not-deallocated": "the VM is {state}. Deallocate the VM and retry.",
    "arm.convert.set-not-aligned": "its availability set '{set}' is not on the 'Aligned' SKU. Align the set first.",  # noqa: E501
    "arm.convert.extension": "extension '{extension}' is in provisioning state '{state}'. Remove or repair the extension and retry.",  # noqa: E501
    "arm.action-not-supported": "The action '{action}' is not supported.",
    "arm.operation-in-progress": "Operation '{action}' is not allowed on VM '{vm}' since another operation is in progress on it.",  # noqa: E501
    "arm.body-not-json": "The request content is not valid JSON.",
    "arm.body-not-object": "The request content must be a JSON object.",
    "arm.bad-sku": "The value '{sku}' of parameter 'sku.name' is not one of Aligned, Classic.",
    "arm.set-aligned": "Availability set '{set}' is Aligned and cannot be changed back to Classic.",
    "arm.fault-domains": "The specified fault domain count {count} must fall in the range 1 to {most}.",
    "arm.operation-not-found": "The operation '{op}' was not found.",
    "arm.vm-deleted": "The virtual machine was deleted while it was being converted.",
}


def say(key: str, /, **fields: object) -> str:
    """The message `key` with its fields filled in (a KeyError names an unknown key or field)."""
    return MESSAGES[key].format(**fields)
