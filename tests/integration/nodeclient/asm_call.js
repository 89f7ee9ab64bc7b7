// One call of Microsoft's classic clients (npm azure-asm-compute@0.18.0, azure-asm-network@0.13.1,
// azure-asm-storage@0.12.1) against the emulator; prints the client's parsed result as JSON.
//   node asm_call.js CALL '[args...]'
// Environment: ASM_URL (the emulator), SUBSCRIPTION, NODE_EXTRA_CA_CERTS (the emulator's ca.pem).
// Each entry of CALLS is one call c2arm makes, made the way Microsoft's client makes it.
'use strict';
const common = require('azure-common');
const compute = require('azure-asm-compute');
const network = require('azure-asm-network');
const storage = require('azure-asm-storage');

const credentials = new common.TokenCloudCredentials({
  subscriptionId: process.env.SUBSCRIPTION, token: 'node-contract-token',
});
const url = process.env.ASM_URL;
// azure-common 0.9.27 on today's `request`/Node never sends a POST that has no body (the request
// is built and dropped): give such a POST an empty body, which `request` sends as
// Content-Length: 0 — what it sent for them when the clients were current.
const emptyBody = (resource, next, callback) => {
  if (resource.body === undefined && resource.method !== 'GET') resource.body = '';
  return next(resource, callback);
};
const clients = {
  compute: () => compute.createComputeManagementClient(credentials, url).withFilter(emptyBody),
  network: () => network.createNetworkManagementClient(credentials, url).withFilter(emptyBody),
  storage: () => storage.createStorageManagementClient(credentials, url).withFilter(emptyBody),
};
// name -> [client, (client, args, callback) => void]
const CALLS = {
  // migration: validate / begin* (prepare, commit, abort answer 202 + x-ms-request-id)
  'deployment.validate': ['compute', (c, a, cb) => c.deployments.validateMigration(a[0], a[1], a[2], cb)],
  'deployment.prepare': ['compute', (c, a, cb) => c.deployments.beginPrepareMigration(a[0], a[1], a[2], cb)],
  'deployment.commit': ['compute', (c, a, cb) => c.deployments.beginCommitMigration(a[0], a[1], cb)],
  'deployment.abort': ['compute', (c, a, cb) => c.deployments.beginAbortMigration(a[0], a[1], cb)],
  'vnet.validate': ['network', (c, a, cb) => c.networks.validateMigration(a[0], cb)],
  'vnet.prepare': ['network', (c, a, cb) => c.networks.beginPrepareMigration(a[0], cb)],
  'vnet.commit': ['network', (c, a, cb) => c.networks.beginCommitMigration(a[0], cb)],
  'vnet.abort': ['network', (c, a, cb) => c.networks.beginAbortMigration(a[0], cb)],
  'storage.validate': ['storage', (c, a, cb) => c.storageAccounts.validateMigration(a[0], cb)],
  'storage.prepare': ['storage', (c, a, cb) => c.storageAccounts.beginPrepareMigration(a[0], cb)],
  'storage.commit': ['storage', (c, a, cb) => c.storageAccounts.beginCommitMigration(a[0], cb)],
  'storage.abort': ['storage', (c, a, cb) => c.storageAccounts.beginAbortMigration(a[0], cb)],
  'reservedip.validate': ['network', (c, a, cb) => c.reservedIPs.validateMigration(a[0], cb)],
  'reservedip.prepare': ['network', (c, a, cb) => c.reservedIPs.beginPrepareMigration(a[0], cb)],
  'reservedip.commit': ['network', (c, a, cb) => c.reservedIPs.beginCommitMigration(a[0], cb)],
  'reservedip.abort': ['network', (c, a, cb) => c.reservedIPs.beginAbortMigration(a[0], cb)],
  'nsg.validate': ['network', (c, a, cb) => c.networkSecurityGroups.validateMigration(a[0], cb)],
  'nsg.prepare': ['network', (c, a, cb) => c.networkSecurityGroups.beginPrepareMigration(a[0], cb)],
  'nsg.commit': ['network', (c, a, cb) => c.networkSecurityGroups.beginCommitMigration(a[0], cb)],
  'nsg.abort': ['network', (c, a, cb) => c.networkSecurityGroups.beginAbortMigration(a[0], cb)],
  'routetable.validate': ['network', (c, a, cb) => c.routes.validateMigration(a[0], cb)],
  'routetable.prepare': ['network', (c, a, cb) => c.routes.beginPrepareMigration(a[0], cb)],
  'routetable.commit': ['network', (c, a, cb) => c.routes.beginCommitMigration(a[0], cb)],
  'routetable.abort': ['network', (c, a, cb) => c.routes.beginAbortMigration(a[0], cb)],
  'operation.status': ['compute', (c, a, cb) => c.getOperationStatus(a[0], cb)],
  // reads the snapshot and the state reads use
  'hostedservice.list': ['compute', (c, a, cb) => c.hostedServices.list(cb)],
  'hostedservice.getDetailed': ['compute', (c, a, cb) => c.hostedServices.getDetailed(a[0], cb)],
  'deployment.getByName': ['compute', (c, a, cb) => c.deployments.getByName(a[0], a[1], cb)],
  'deployment.getBySlot': ['compute', (c, a, cb) => c.deployments.getBySlot(a[0], a[1], cb)],
  'certificate.list': ['compute', (c, a, cb) => c.serviceCertificates.list(a[0], cb)],
  'disk.list': ['compute', (c, a, cb) => c.virtualMachineDisks.listDisks(cb)],
  'image.list': ['compute', (c, a, cb) => c.virtualMachineOSImages.list(cb)],
  'vnet.list': ['network', (c, a, cb) => c.networks.list(cb)],
  'network.configuration': ['network', (c, a, cb) => c.networks.getConfiguration(cb)],
  'gateway.get': ['network', (c, a, cb) => c.gateways.get(a[0], cb)],
  'gateway.listConnections': ['network', (c, a, cb) => c.gateways.listConnections(a[0], cb)],
  'reservedip.list': ['network', (c, a, cb) => c.reservedIPs.list(cb)],
  'reservedip.get': ['network', (c, a, cb) => c.reservedIPs.get(a[0], cb)],
  'nsg.list': ['network', (c, a, cb) => c.networkSecurityGroups.list(cb)],
  'nsg.get': ['network', (c, a, cb) => c.networkSecurityGroups.get(a[0], a[1], cb)],
  'nsg.getForSubnet': ['network', (c, a, cb) => c.networkSecurityGroups.getForSubnet(a[0], a[1], cb)],
  'routetable.list': ['network', (c, a, cb) => c.routes.listRouteTables(cb)],
  'routetable.getWithDetails': ['network', (c, a, cb) => c.routes.getRouteTableWithDetails(a[0], a[1], cb)],
  'routetable.getForSubnet': ['network', (c, a, cb) => c.routes.getRouteTableForSubnet(a[0], a[1], cb)],
  'storage.list': ['storage', (c, a, cb) => c.storageAccounts.list(cb)],
  'storage.get': ['storage', (c, a, cb) => c.storageAccounts.get(a[0], cb)],
};

function main() {
  const [name, argsJson] = process.argv.slice(2);
  if (name === '--list') {
    process.stdout.write(JSON.stringify(Object.keys(CALLS)));
    return;
  }
  const entry = CALLS[name];
  if (!entry) {
    process.stderr.write(`unknown call ${name}\n`);
    process.exit(2);
  }
  const [kind, call] = entry;
  call(clients[kind](), JSON.parse(argsJson || '[]'), (error, result) => {
    if (error) {
      const out = { error: { statusCode: error.statusCode, code: error.code, message: error.message } };
      process.stdout.write(JSON.stringify(out));
      return;
    }
    process.stdout.write(JSON.stringify({ result }));
  });
}

main();
