// What the Atlas stand-in stores: organisations, projects and what they contain, in the shapes
// the Administration API returns them. Plain JSON, so it can be written to a state file.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface ResourceTag {
  key: string;
  value: string;
}

export interface StoredOrg {
  id: string;
  name: string;
}

export interface StoredProject {
  id: string;
  name: string;
  orgId: string;
  created: string;
  tags: ResourceTag[];
  regionUsageRestrictions?: string;
}

/** A cluster as the 2024-08-05/2024-10-23 resource versions describe it, plus timing. */
export interface StoredCluster {
  id: string;
  groupId: string;
  name: string;
  clusterType: string;
  createDate: string;
  stateName: 'CREATING' | 'IDLE' | 'UPDATING' | 'DELETING';
  replicationSpecs: Record<string, unknown>[];
  tags: ResourceTag[];
  terminationProtectionEnabled: boolean;
  backupEnabled: boolean;
  paused: boolean;
  mongoDBMajorVersion: string;
  mongoDBVersion: string;
  versionReleaseSystem: string;
  /** Host part of the SRV string, such as `main.ab12c.mongodb.net`; published once IDLE. */
  srvHost: string;
  /** Stand-in clock time at which the current state ends, in milliseconds. */
  transitionAt: number;
  /** Flex clusters live in the same store: `FLEX` uses the flexClusters resource shape. */
  kind: 'cluster' | 'flex';
}

export interface StoredAccessListEntry {
  groupId: string;
  cidrBlock: string;
  ipAddress?: string;
  comment?: string;
  deleteAfterDate?: string;
}

export interface StoredDatabaseUser {
  groupId: string;
  username: string;
  databaseName: string;
  awsIAMType: string;
  ldapAuthType: string;
  oidcAuthType: string;
  x509Type: string;
  roles: Record<string, unknown>[];
  scopes: Record<string, unknown>[];
  labels: ResourceTag[];
  deleteAfterDate?: string;
}

export interface StoredInvoice {
  id: string;
  orgId: string;
  statusName: string;
  startDate: string;
  endDate: string;
  created: string;
  updated: string;
  amountBilledCents: number;
  amountPaidCents: number;
  creditsCents: number;
  salesTaxCents: number;
  startingBalanceCents: number;
  subtotalCents: number;
  lineItems: Record<string, unknown>[];
}

export interface StandInData {
  orgs: StoredOrg[];
  projects: StoredProject[];
  clusters: StoredCluster[];
  accessList: StoredAccessListEntry[];
  databaseUsers: StoredDatabaseUser[];
  invoices: StoredInvoice[];
  /** Counter behind the generated ids, so ids are the same on every run. */
  nextId: number;
}

export function emptyData(orgs: StoredOrg[]): StandInData {
  return {
    orgs,
    projects: [],
    clusters: [],
    accessList: [],
    databaseUsers: [],
    invoices: [],
    nextId: 1,
  };
}

/** Loads the state file when it exists, else returns `fallback`. */
export function loadData(file: string | undefined, fallback: StandInData): StandInData {
  if (file === undefined || !existsSync(file)) return fallback;
  return JSON.parse(readFileSync(file, 'utf8')) as StandInData;
}

export function saveData(file: string | undefined, data: StandInData): void {
  if (file === undefined) return;
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
}

/** A 24-hex-digit id, deterministic: `6a0000000000000000000001`, `...02` and so on. */
export function nextObjectId(data: StandInData): string {
  const id = `6a${data.nextId.toString(16).padStart(22, '0')}`;
  data.nextId += 1;
  return id;
}
