"""Every message the emulated classic platform says, by key: the catalogue docs/fidelity.md covers.

A rehearsal is only as good as the platform's words: c2arm classifies refusals and findings by
them, and an operator reads them. So each message lives here once, under a stable key, and
`tests/integration/fidelity/test_catalogue.py` fails on any key without a row in docs/fidelity.md
(its source — recorded, Microsoft client, Microsoft docs — or that it is an assumption) and on any
message text written elsewhere in `emulator/asm/`. Templates use `str.format` fields; the wording is kept
verbatim where a source gives it (hence the long lines).
"""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    # -- validate: what a unit's validate reports (Error unless the caller says otherwise) ----
    "validate.paas-deployment": "Migration isn't supported for Deployment {d} in HostedService {h} because it's a PaaS deployment (Web/Worker).",  # noqa: E501
    "validate.vm-state": "Migration isn't allowed for HostedService {h} because it has VM {vm} in State: {state}. Migration is allowed only when the VM is in one of the following states - Running, Stopped, Stopped Deallocated.",  # noqa: E501
    "validate.agent-not-ready": "VM {vm} in HostedService {h} is reporting the VM Agent status as Not Ready. Hence, the VM cannot be migrated. Ensure that the VM Agent is reporting the overall agent status as Ready.",  # noqa: E501
    "validate.backup-extension": "VM {vm} in HostedService {h} contains Extension {e}, which is currently not supported for Migration. Uninstall it from the VM and add it back using Resource Manager after the Migration is Complete.",  # noqa: E501
    "validate.unsupported-extension": "VM {vm} in HostedService {h} contains Extension {e} ({what}) which isn't supported in Azure Resource Manager. It is recommended to uninstall it from the VM before continuing with migration.",  # noqa: E501
    "validate.xml-extension": "VM {vm} in HostedService {h} contains Extension {e} which isn't supported in Azure Resource Manager (XML extension). It will be dropped by the migration; add it back in Resource Manager afterwards.",  # noqa: E501
    "validate.extension-status": "VM {vm} in HostedService {h} contains Extension {e} reporting Handler Status: {status}. Hence, the VM cannot be migrated. Ensure that the Extension handler status being reported is Ready or uninstall it from the VM and retry migration.",  # noqa: E501
    "validate.endpoint-acl": "VM {vm} in HostedService {h} has Endpoint {ep} with an Endpoint ACL, which isn't supported for Migration. Remove the Endpoint ACLs and retry migration.",  # noqa: E501
    "validate.multiple-subnets": "VM {vm} in HostedService {h} has multiple subnets ({subnets}), which isn't supported for Migration.",  # noqa: E501
    "validate.no-subnet": "VM {vm} in HostedService {h} is in Virtual Network {v} but doesn't have an explicit subnet, which isn't supported for Migration.",  # noqa: E501
    "validate.premium-boot-diagnostics": "VM {vm} in HostedService {h} has Boot Diagnostics with Premium Storage account {a}, which isn't supported for Migration. Disable Boot Diagnostics and retry.",  # noqa: E501
    "validate.blob-size": "Deployment {d} in HostedService {h} contains a VM {vm} with Data Disk {disk} whose physical blob size {blob} bytes doesn't match the VM Data Disk logical size {logical} bytes. Migration will proceed without specifying a size for the data disk for the Azure Resource Manager VM.",  # noqa: E501
    "validate.blob-name": "VM {vm} in HostedService {h} contains Disk with MediaLink {link} which has blob name {blob} that isn't supported in Azure Resource Manager.",  # noqa: E501
    "validate.availability-sets": "Migration isn't supported for HostedService {h} because it has multiple Availabilities Sets.",  # noqa: E501
    "validate.outside-availability-set": "Migration isn't supported for HostedService {h} because it has VMs that are not part of the Availability Set even though the HostedService contains one.",  # noqa: E501
    "validate.reserved-ip-no-endpoint": "Migration isn't supported for HostedService {h} because its Reserved IP {rip} has no input endpoint.",  # noqa: E501
    "validate.mixed-nics": "Migration isn't supported for HostedService {h} because it has both single-NIC and multi-NIC VMs.",  # noqa: E501
    "validate.alerts": "HostedService {h} has {n} alert rule(s); alerts are not migrated and will be dropped.",  # noqa: E501
    "validate.autoscale": "HostedService {h} has {n} autoscale polic(ies); autoscale is not migrated and will be dropped.",  # noqa: E501
    "validate.peering": "Migration isn't supported for Virtual Network {v} because it uses Virtual Network peering.",  # noqa: E501
    "validate.vnet-service": "Migration isn't supported for Virtual Network {v} because it contains {service}.",  # noqa: E501
    "validate.vnet-paas": "Migration isn't supported for Virtual Network {v} because it has non-gateway PaaS deployments.",  # noqa: E501
    "validate.storage-disk-in-use": "Storage account {a} has Disk {disk} attached to VM {vm} in HostedService {h}, which hasn't been migrated. Migrate the VM first.",  # noqa: E501
    "validate.associated": "{unit} is associated with {where}; it migrates with it and cannot be migrated on its own.",  # noqa: E501
    "validate.associated.service": "HostedService {h}",
    "validate.associated.subnet": "subnet {subnet} of Virtual Network {v}",
    "validate.associated.vm": "VM {vm} in HostedService {h}",
    "validate.deployment-in-vnet": "Deployment {d} in HostedService {h} belongs to Virtual Network {v}. Migrate Virtual Network {v} to migrate this HostedService.",  # noqa: E501
    "validate.to-be-migrated": "Deployment {d} in HostedService {h} will be migrated ({n} role(s)).",
    # -- prepare only: the operation ends Failed with these (validate does not check them) -----
    "prepare.both-gateways": "Migration isn't supported for Virtual Network {v} because it has both an ExpressRoute gateway and a VPN gateway.",  # noqa: E501
    "prepare.disconnected-connection": "Migration isn't supported for Virtual Network {v} because its gateway connection to Local Network Site {site} is in a Disconnected state.",  # noqa: E501
    "prepare.circuit-not-migrated": "Migration isn't supported for Virtual Network {v} because its ExpressRoute circuit {circuit} hasn't been migrated to Azure Resource Manager. Migrate the circuit first.",  # noqa: E501
    "prepare.invalid-prefix": "Address prefix {prefix} of Virtual Network {v} isn't valid in Azure Resource Manager.",  # noqa: E501
    "prepare.conflicting-ips": "VMs {vm1} and {vm2} in Virtual Network {v} are Stopped Deallocated with the same private IP {ip}.",  # noqa: E501
    "prepare.lb-rule-conflict": "Load balancer rule {rule} of HostedService {h} conflicts with {other} on {protocol} port {port}.",  # noqa: E501
    "prepare.quota": "Operation results in exceeding quota limits of {key}. Current quota is {left}, additional needed is {more}.",  # noqa: E501
    "prepare.unattached-disk": "Storage account {a} has unattached Disk {disk}, which isn't supported in Azure Resource Manager. Delete the disk before migrating the storage account.",  # noqa: E501
    "prepare.vm-image": "Storage account {a} has VM Image {image}, which isn't supported in Azure Resource Manager. Delete the image before migrating the storage account.",  # noqa: E501
    # -- a migration call refused at once ----------------------------------------------------------
    "refuse.not-registered": "Subscription {s} is not registered for migration.",
    "refuse.bad-comp": "The value {comp!r} of query parameter comp is not one of {comps}.",
    "refuse.bad-destination": "DestinationVirtualNetwork {mode!r} is not one of New, Existing, Default.",
    "refuse.default-destination": "Default VNet destination option not implemented.",
    "refuse.destination-field": "{tag} is required when DestinationVirtualNetwork is Existing.",
    "refuse.existing-vnet-missing": "The virtual network {v} doesn't exist.",
    "refuse.existing-subnet-missing": "The subnet {subnet} doesn't exist in virtual network {v}.",
    "refuse.already-migrated": "{unit} has already been migrated.",
    "refuse.being-prepared": "{unit} is in the process of being prepared and cannot be changed.",
    "refuse.being-committed": "{unit} is in the process of being committed and cannot be changed.",
    "refuse.being-aborted": "{unit} is in the process of being aborted and cannot be changed.",
    "refuse.abort-after-commit": "Abort isn't allowed: {unit} is in the process of being committed and cannot be changed.",  # noqa: E501
    "refuse.not-prepared": "{unit} has not been prepared for Migration.",
    # -- a unit that is not there (recorded for a VNet, a deployment, a storage account) ---------
    "missing.vnet": "Virtual network '{name}' not found. Either it does not exist or it is an Azure Resource Manager resource, which cannot be used with Cloud Services.",  # noqa: E501
    "missing.deployment": "The deployment name '{name}' does not exist.",
    "missing.storage": "The storage account '{name}' was not found.",
    "missing.item": "The {what} {name} does not exist.",
    # -- the management-plane lock while a unit is being migrated -------------------------------
    "lock.migrating": "{what} {name} is in the process of being migrated and hence cannot be changed.",
    "lock.vm": "Management operations on VM are disallowed because migration is in progress.",
    # -- reads of something that is not there ----------------------------------------------------
    "notfound.hosted-service": "The hosted service does not exist.",
    "notfound.deployment": "The deployment does not exist.",
    "notfound.slot": "No deployments were found in the {slot} slot.",
    "notfound.role": "The role {role} does not exist.",
    "notfound.storage": "The storage account does not exist.",
    "notfound.operation": "The operation {id} does not exist.",
    "notfound.vnet": "The virtual network {v} doesn't exist.",
    "notfound.subnet": "The subnet {subnet} does not exist in virtual network {v}.",
    "notfound.association": "No {what} is associated with subnet {subnet}.",
    "notfound.gateway": "No current gateway for virtual network {v}.",
    "notfound.circuit": "The dedicated circuit {key} doesn't exist.",
    # -- management-plane writes with bad input ---------------------------------------------------
    "write.not-a-vm": "Role {role} of deployment {d} is a web/worker role, not a persistent VM role; this operation applies to virtual machines only.",  # noqa: E501
    "write.media-link": "MediaLink is required.",
    "write.lun-integers": "Lun and LogicalDiskSizeInGB must be integers.",
    "write.lun-range": "Lun must be 0–63 and LogicalDiskSizeInGB at least 1.",
    "write.lun-taken": "A disk is already attached at LUN {lun} of role {role}.",
    "write.role-operation": "Expected StartRoleOperation, ShutdownRoleOperation or RestartRoleOperation.",
    "write.post-shutdown": "PostShutdownAction {post!r} is not one of Stopped, StoppedDeallocated.",
    "write.site-name": "VirtualNetworkSite needs a name attribute.",
    "write.subnet-fields": "Subnet of VirtualNetworkSite {v} needs a name and an AddressPrefix.",
    "write.address-space": "VirtualNetworkSite {v} needs an AddressSpace.",
    # -- request bodies from outside ---------------------------------------------------------------
    "request.empty": "The request body is empty; expected a {root} element.",
    "request.too-large": "The request body is larger than {limit} bytes.",
    "request.rejected": "The request body was rejected: {why} (DTDs, entities and external references are not allowed).",  # noqa: E501
    "request.not-xml": "The request body is not well-formed XML: {why}.",
    "request.root": "Expected root element {root}, got {got}.",
    "request.namespace": "Element {root} must be in namespace {namespace}, got {got}.",
}


def say(key: str, /, **fields: object) -> str:
    """The message `key` with its fields filled in (a KeyError names an unknown key or field)."""
    return MESSAGES[key].format(**fields)
