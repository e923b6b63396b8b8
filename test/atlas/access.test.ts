import { describe, expect, it } from 'vitest';
import type { DesiredResource } from '../../actions/engine/provider.ts';
import { FrozenClock, orgId, providerFor, startStandIn, testContext } from './helpers.ts';

async function setUp(options: Parameters<typeof startStandIn>[1] = {}) {
  const clock = new FrozenClock();
  const standIn = await startStandIn(clock, options);
  const project = standIn.addProject({ name: 'dev', orgId, tags: [] });
  const provider = providerFor(standIn, clock);
  return { clock, standIn, project, provider, context: testContext(clock) };
}

function anywhere(
  projectId: string,
  comment = 'Lambda has no fixed outbound address',
): DesiredResource {
  return {
    address: 'atlas.accessList.anywhere',
    kind: 'atlas:AccessListEntry',
    name: '0.0.0.0/0',
    spec: { projectId, cidrBlock: '0.0.0.0/0', comment },
  };
}

function iamUser(
  projectId: string,
  username: string,
  awsIAMType: 'USER' | 'ROLE',
): DesiredResource {
  return {
    address: `atlas.databaseUsers.${awsIAMType === 'USER' ? 'developer' : 'lambda'}`,
    kind: 'atlas:DatabaseUser',
    name: username,
    spec: {
      projectId,
      username,
      awsIAMType,
      databaseName: '$external',
      roles: [{ roleName: 'readWrite', databaseName: 'default', collectionName: 'message' }],
      scopes: [{ name: 'default-free-dev', type: 'CLUSTER' }],
    },
  };
}

describe('atlas:AccessListEntry', () => {
  it('posts an array of one and encodes the slash', async () => {
    const { standIn, project, provider, context } = await setUp();
    const handler = provider.handlers['atlas:AccessListEntry']!;

    const created = await handler.create(context, anywhere(project.id));

    const post = standIn.requests.find(
      (exchange) => exchange.operationId === 'createProjectIpAccessList',
    )!;
    expect(post.requestBody).toEqual([
      {
        cidrBlock: '0.0.0.0/0',
        comment: 'Lambda has no fixed outbound address [gitops:dev:anywhere]',
      },
    ]);
    const read = standIn.requests.find((exchange) => exchange.operationId === 'getProjectIpList')!;
    expect(read.path).toBe(`/api/atlas/v2/groups/${project.id}/accessList/0.0.0.0%2F0`);
    expect(created.ownership).toBe('owned');
    expect(created.spec).toEqual(anywhere(project.id).spec);
  });

  it('observes, updates the comment and deletes', async () => {
    const { standIn, project, provider, context } = await setUp();
    const handler = provider.handlers['atlas:AccessListEntry']!;
    await handler.create(context, anywhere(project.id));
    const writes = standIn.writes().length;

    const observed = await handler.observe(context, anywhere(project.id));
    expect(standIn.writes()).toHaveLength(writes);
    expect(observed?.spec).toEqual(anywhere(project.id).spec);

    const updated = await handler.update(
      context,
      anywhere(project.id, 'CI runners'),
      observed!,
      [],
    );
    expect(updated.spec.comment).toBe('CI runners');
    expect(standIn.state.accessList[0]!.comment).toBe('CI runners [gitops:dev:anywhere]');

    await handler.delete(context, updated);
    const remove = standIn.requests.find(
      (exchange) => exchange.operationId === 'deleteProjectIpAccessList',
    )!;
    expect(remove.path).toBe(`/api/atlas/v2/groups/${project.id}/accessList/0.0.0.0%2F0`);
    expect(standIn.state.accessList).toEqual([]);
  });

  it('never deletes an entry it does not own', async () => {
    const { standIn, project, provider, context } = await setUp();
    standIn.addAccessListEntry({
      groupId: project.id,
      cidrBlock: '0.0.0.0/0',
      comment: 'office VPN',
    });
    const handler = provider.handlers['atlas:AccessListEntry']!;

    const observed = await handler.observe(context, anywhere(project.id));
    expect(observed?.ownership).toBe('foreign');
    await handler.delete(context, observed!);
    await expect(handler.create(context, anywhere(project.id))).rejects.toMatchObject({
      code: 'NOT_OWNED',
    });
    await expect(
      handler.update(context, anywhere(project.id), observed!, []),
    ).rejects.toMatchObject({
      code: 'NOT_OWNED',
    });

    expect(standIn.writes()).toEqual([]);
    expect(standIn.state.accessList[0]!.comment).toBe('office VPN');
    const warnings = context.lines.filter((line) => line.level === 'warning');
    expect(warnings.map((line) => line.message)).toEqual([
      `access list entry 0.0.0.0/0 in project ${project.id} is not managed by gitops; it was not deleted`,
    ]);
  });

  it('lists owned entries and reports foreign ones', async () => {
    const { standIn, project, provider, context } = await setUp();
    const handler = provider.handlers['atlas:AccessListEntry']!;
    await handler.create(context, anywhere(project.id));
    standIn.addAccessListEntry({ groupId: project.id, cidrBlock: '10.0.0.0/8', comment: 'office' });

    const listed = await handler.list!(context);

    expect(listed.map((item) => [item.address, item.name])).toEqual([
      ['atlas.accessList.anywhere', '0.0.0.0/0'],
    ]);
    expect(
      context.lines.filter((line) => line.level === 'warning').map((line) => line.message),
    ).toEqual([
      'project dev: access list entry 10.0.0.0/8 is not managed by gitops; it is left in place',
    ]);
  });

  it('recovers a lost create response', async () => {
    const { standIn, project, provider, context } = await setUp({ eventualConsistencyReads: 1 });
    standIn.faults.dropResponseOfNext(1, { match: { operationId: 'createProjectIpAccessList' } });

    const created = await provider.handlers['atlas:AccessListEntry']!.create(
      context,
      anywhere(project.id),
    );

    expect(created.ownership).toBe('owned');
    expect(standIn.state.accessList).toHaveLength(1);
  });
});

describe('atlas:DatabaseUser', () => {
  const roleArn = 'arn:aws:iam::123456789012:role/example-backend-dev';
  const userArn = 'arn:aws:iam::123456789012:user/team/developer';

  it('creates an IAM role user with an encoded path', async () => {
    const { standIn, project, provider, context } = await setUp();
    const handler = provider.handlers['atlas:DatabaseUser']!;

    const created = await handler.create(context, iamUser(project.id, roleArn, 'ROLE'));
    const observed = await handler.observe(context, iamUser(project.id, roleArn, 'ROLE'));

    const post = standIn.requests.find(
      (exchange) => exchange.operationId === 'createDatabaseUser',
    )!;
    expect(post.requestBody).toMatchObject({
      groupId: project.id,
      username: roleArn,
      databaseName: '$external',
      awsIAMType: 'ROLE',
      labels: [
        { key: 'gitops-address', value: 'atlas.databaseUsers.lambda' },
        { key: 'gitops-environment', value: 'dev' },
        { key: 'gitops-managed-by', value: 'gitops' },
      ],
    });
    const read = standIn.requests.find((exchange) => exchange.operationId === 'getDatabaseUser')!;
    expect(read.path).toBe(
      `/api/atlas/v2/groups/${project.id}/databaseUsers/%24external/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fexample-backend-dev`,
    );
    expect(observed).toEqual(created);
    expect(created.spec).toMatchObject(iamUser(project.id, roleArn, 'ROLE').spec);
  });

  it('creates, updates and deletes an IAM user', async () => {
    const { standIn, project, provider, context } = await setUp();
    const handler = provider.handlers['atlas:DatabaseUser']!;
    const desired = iamUser(project.id, userArn, 'USER');
    const created = await handler.create(context, desired);

    const readAnyDatabase = {
      ...desired,
      spec: { ...desired.spec, roles: [{ roleName: 'readAnyDatabase', databaseName: 'admin' }] },
    };
    const updated = await handler.update(context, readAnyDatabase, created, []);
    expect(updated.spec.roles).toEqual([{ roleName: 'readAnyDatabase', databaseName: 'admin' }]);

    await handler.delete(context, updated);
    const remove = standIn.requests.find(
      (exchange) => exchange.operationId === 'deleteDatabaseUser',
    )!;
    expect(remove.path).toContain(
      '/%24external/arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fteam%2Fdeveloper',
    );
    expect(standIn.state.databaseUsers).toEqual([]);
  });

  it('observe sends no writes', async () => {
    const { standIn, project, provider, context } = await setUp();

    const observed = await provider.handlers['atlas:DatabaseUser']!.observe(
      context,
      iamUser(project.id, roleArn, 'ROLE'),
    );

    expect(observed).toBeUndefined();
    expect(standIn.writes()).toEqual([]);
  });

  it('adopts its own user on USER_ALREADY_EXISTS', async () => {
    const { standIn, project, provider, context } = await setUp();
    const handler = provider.handlers['atlas:DatabaseUser']!;
    await handler.create(context, iamUser(project.id, roleArn, 'ROLE'));

    const again = await handler.create(context, iamUser(project.id, roleArn, 'ROLE'));

    expect(again.ownership).toBe('owned');
    expect(standIn.state.databaseUsers).toHaveLength(1);
  });

  it('refuses to delete a user without the marker', async () => {
    const { standIn, project, provider, context } = await setUp();
    standIn.addDatabaseUser({
      groupId: project.id,
      username: roleArn,
      databaseName: '$external',
      awsIAMType: 'ROLE',
      ldapAuthType: 'NONE',
      oidcAuthType: 'NONE',
      x509Type: 'NONE',
      roles: [{ roleName: 'read', databaseName: 'default' }],
      scopes: [],
      labels: [],
    });
    const handler = provider.handlers['atlas:DatabaseUser']!;

    const observed = await handler.observe(context, iamUser(project.id, roleArn, 'ROLE'));

    expect(observed?.ownership).toBe('foreign');
    await expect(handler.delete(context, observed!)).rejects.toMatchObject({ code: 'NOT_OWNED' });
    expect(standIn.state.databaseUsers).toHaveLength(1);
  });
});
