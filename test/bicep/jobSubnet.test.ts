import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  declaration,
  declarations,
  loadTemplates,
  objectProperties,
  propertyAt,
  repoRoot,
  resourcesOfType,
  settingEntries,
  stringLiteral,
} from './bicepTemplate.js';

/** Ranges the job subnet must never reach, whatever a source URL resolves to. */
const REFUSED_RANGES = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '168.63.129.16/32',
];

const { files, main, fileAt } = await loadTemplates();
const subnet = fileAt('bicep/modules/jobSubnet.bicep');

interface Rule {
  name: string;
  direction: string;
  access: string;
  priority: number;
  protocol: string;
  destination: string;
  ports: string;
}

function outboundRules(): Rule[] {
  const [nsg] = resourcesOfType(subnet, 'Microsoft.Network/networkSecurityGroups');
  const rules = propertyAt(nsg?.value, 'properties', 'securityRules')?.namedChildren ?? [];
  return rules
    .filter((r) => r.type === 'object')
    .map((rule) => {
      const p = objectProperties(propertyAt(rule, 'properties'));
      return {
        name: stringLiteral(propertyAt(rule, 'name')) ?? '',
        direction: stringLiteral(p.get('direction')) ?? '',
        access: stringLiteral(p.get('access')) ?? '',
        priority: Number(p.get('priority')?.text),
        protocol: stringLiteral(p.get('protocol')) ?? '',
        destination: stringLiteral(p.get('destinationAddressPrefix')) ?? '',
        ports: stringLiteral(p.get('destinationPortRange')) ?? '',
      };
    })
    .filter((r) => r.direction === 'Outbound');
}

function ipv4(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function inCidr(address: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipv4(base) / size) * size;
  return ipv4(address) >= start && ipv4(address) < start + size;
}

/** NSG evaluation: the matching rule with the lowest priority number decides. */
function verdict(address: string): string {
  const nonPublic = [...REFUSED_RANGES, '0.0.0.0/8', '127.0.0.0/8'];
  const matches = (rule: Rule) =>
    rule.destination === '*' ||
    (rule.destination === 'Internet' && !nonPublic.some((range) => inCidr(address, range))) ||
    (/^[\d./]+$/.test(rule.destination) && inCidr(address, rule.destination));
  const [decisive] = outboundRules()
    .filter(matches)
    .sort((a, b) => a.priority - b.priority);
  return decisive ? `${decisive.access} (${decisive.name})` : 'no rule';
}

describe('jobSubnetEgressLockdown off (the default)', () => {
  it('is false by default and settable with azd env JOB_SUBNET_EGRESS_LOCKDOWN', () => {
    expect(declaration(main, 'param', 'jobSubnetEgressLockdown').value?.text).toBe('false');
    const parameterFile = JSON.parse(readFileSync(path.join(repoRoot, 'bicep/main.parameters.json'), 'utf8')) as {
      parameters: Record<string, { value: string }>;
    };
    expect(parameterFile.parameters.jobSubnetEgressLockdown?.value).toBe('${JOB_SUBNET_EGRESS_LOCKDOWN=false}');
  });

  it('creates no network resource at all', () => {
    const module = declaration(main, 'module', 'jobSubnet');
    expect(module.condition?.text).toBe('(jobSubnetEgressLockdown)');
    const elsewhere = files
      .filter((f) => f.path !== subnet.path)
      .flatMap((f) => declarations(f, 'resource').filter((r) => r.target?.startsWith('Microsoft.Network/')))
      .map((r) => r.name);
    expect(elsewhere).toEqual([]);
  });

  it('gives the app an empty JOB_SUBNET_ID and keeps the chosen ACI priority', () => {
    const params = objectProperties(propertyAt(declaration(main, 'module', 'functionApp').value, 'params'));
    expect(params.get('jobSubnetId')?.text).toBe("jobSubnetEgressLockdown ? jobSubnet.outputs.subnetId : ''");
    expect(params.get('aciPriority')?.text).toBe("jobSubnetEgressLockdown ? 'Regular' : aciPriority");
    expect(declaration(main, 'output', 'JOB_SUBNET_ID').value?.text).toBe(
      "jobSubnetEgressLockdown ? jobSubnet.outputs.subnetId : ''",
    );
  });
});

describe('jobSubnetEgressLockdown on', () => {
  it('builds the subnet in the jobs resource group and region, where the groups run', () => {
    const module = declaration(main, 'module', 'jobSubnet');
    expect(propertyAt(module.value, 'scope')?.text).toBe('resourceGroup(resolvedJobsResourceGroupName)');
    expect(propertyAt(module.value, 'params', 'location')?.text).toBe('resolvedJobsLocation');
  });

  it('denies outbound traffic to every private, shared, link-local and host range', () => {
    for (const range of REFUSED_RANGES) {
      const rule = outboundRules().find((r) => r.destination === range);
      expect(rule, range).toMatchObject({ access: 'Deny', protocol: '*', ports: '*' });
    }
    // Denies outrank every allow, so no allow rule can reopen a refused range.
    const lowestAllow = Math.min(...outboundRules().filter((r) => r.access === 'Allow').map((r) => r.priority));
    const refusing = outboundRules().filter((r) => REFUSED_RANGES.includes(r.destination));
    expect(refusing.every((r) => r.priority < lowestAllow)).toBe(true);
  });

  it('lets the worker reach public addresses and nothing else', () => {
    expect(verdict('10.1.2.3')).toMatch(/^Deny/);
    expect(verdict('172.31.255.254')).toMatch(/^Deny/);
    expect(verdict('192.168.0.1')).toMatch(/^Deny/);
    expect(verdict('100.127.0.1')).toMatch(/^Deny/);
    expect(verdict('169.254.169.254')).toMatch(/^Deny/);
    expect(verdict('168.63.129.16')).toMatch(/^Deny/);
    // Just outside the refused ranges, and ordinary public addresses, stay reachable.
    expect(verdict('172.32.0.1')).toBe('Allow (allow-internet)');
    expect(verdict('100.128.0.1')).toBe('Allow (allow-internet)');
    expect(verdict('8.8.8.8')).toBe('Allow (allow-internet)');
    expect(verdict('168.63.129.17')).toBe('Allow (allow-internet)');
    // What the allow rule does not cover (the VirtualNetwork tag's peers and routes) meets an explicit deny.
    expect(verdict('127.0.0.1')).toBe('Deny (deny-all-other-outbound)');
    const priorities = outboundRules().map((r) => r.priority);
    expect(new Set(priorities).size).toBe(priorities.length);
    expect(priorities.every((p) => p >= 100 && p <= 4096)).toBe(true);
  });

  it('delegates the subnet to container groups and attaches the NSG to it', () => {
    const [vnet] = resourcesOfType(subnet, 'Microsoft.Network/virtualNetworks');
    const [jobs] = propertyAt(vnet?.value, 'properties', 'subnets')?.namedChildren ?? [];
    const properties = objectProperties(propertyAt(jobs, 'properties'));
    expect(properties.get('networkSecurityGroup')?.text.replace(/\s+/g, '')).toBe('{id:networkSecurityGroup.id}');
    const [delegation] = properties.get('delegations')?.namedChildren ?? [];
    expect(stringLiteral(propertyAt(delegation, 'properties', 'serviceName'))).toBe(
      'Microsoft.ContainerInstance/containerGroups',
    );
    expect(declaration(subnet, 'output', 'subnetId').value?.text).toBe('jobSubnet.id');
  });

  it('passes the subnet id to the app as JOB_SUBNET_ID, set (empty) even without the subnet', () => {
    const functionApp = fileAt('bicep/modules/functionApp.bicep');
    const [config] = resourcesOfType(functionApp, 'Microsoft.Web/sites/config');
    const properties = propertyAt(config?.value, 'properties');
    if (!properties) throw new Error('the appsettings resource has no properties');
    const entry = settingEntries(functionApp, properties).find((s) => s.name === 'JOB_SUBNET_ID');
    expect(entry?.value.text).toBe('jobSubnetId');
    expect(entry?.conditional).toBe(false);
    expect(stringLiteral(declaration(functionApp, 'param', 'jobSubnetId').value)).toBe('');
  });

  it('lets the app identity join only that subnet', () => {
    const [role] = resourcesOfType(subnet, 'Microsoft.Authorization/roleDefinitions');
    const [permission] = propertyAt(role?.value, 'properties', 'permissions')?.namedChildren ?? [];
    expect(objectProperties(permission).get('actions')?.namedChildren.map(stringLiteral)).toEqual([
      'Microsoft.Network/virtualNetworks/subnets/join/action',
    ]);
    const [assignment] = resourcesOfType(subnet, 'Microsoft.Authorization/roleAssignments');
    expect(propertyAt(assignment?.value, 'scope')?.text).toBe('jobSubnet');
    expect(propertyAt(assignment?.value, 'properties', 'principalId')?.text).toBe('appPrincipalId');
    expect(propertyAt(declaration(main, 'module', 'jobSubnet').value, 'params', 'appPrincipalId')?.text).toBe(
      'appIdentity.outputs.principalId',
    );
  });
});
