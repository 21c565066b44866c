/**
 * Our own JSON Schema for compose files (format 3.x, as `docker stack deploy` reads them),
 * written by hand from the keys Shoal understands plus the ones Docker accepts and then
 * ignores for swarm (`build`, `restart`, ...), so that a file Docker accepts we accept too.
 * Every key here exists in Docker's 3.13 schema (schema.test.ts checks that against the
 * reference copy when it is present). Compiled by ajv in validate.ts.
 */

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const num: Schema = { type: 'number' };
const bool: Schema = { type: 'boolean' };
const duration: Schema = { type: 'string', format: 'duration' };
const strings: Schema = { type: 'array', items: str };
const uniqueStrings: Schema = { type: 'array', items: str, uniqueItems: true };
const stringOrList: Schema = { oneOf: [str, uniqueStrings] };
const stringOrArgs: Schema = { oneOf: [str, strings] };
const listOrDict: Schema = {
  oneOf: [
    {
      type: 'object',
      patternProperties: { '.+': { type: ['string', 'number', 'null'] } },
      additionalProperties: false,
    },
    uniqueStrings,
  ],
};
const optionMap = (types: string[]): Schema => ({
  type: 'object',
  patternProperties: { '^.+$': { type: types } },
});
const NAME = '^[a-zA-Z0-9._-]+$';

/** A closed object: only the listed keys (and `x-` extensions when `ext`). */
function obj(
  properties: Record<string, Schema>,
  o: { ext?: boolean; nullable?: boolean; open?: boolean } = {},
): Schema {
  return {
    type: o.nullable ? ['object', 'null'] : 'object',
    properties,
    ...(o.ext ? { patternProperties: { '^x-': {} } } : {}),
    additionalProperties: o.open ?? false,
  };
}

const updateConfig = obj({
  parallelism: int,
  delay: duration,
  failure_action: str,
  monitor: duration,
  max_failure_ratio: num,
  order: { type: 'string', enum: ['start-first', 'stop-first'] },
});

const deploy = obj(
  {
    mode: str,
    endpoint_mode: str,
    replicas: int,
    labels: listOrDict,
    update_config: updateConfig,
    rollback_config: updateConfig,
    resources: obj({
      limits: obj({ cpus: str, memory: str, pids: int }),
      reservations: obj({
        cpus: str,
        memory: str,
        generic_resources: {
          type: 'array',
          items: obj({ discrete_resource_spec: obj({ kind: str, value: num }) }),
        },
      }),
    }),
    restart_policy: obj({ condition: str, delay: duration, max_attempts: int, window: duration }),
    placement: obj({
      constraints: strings,
      preferences: { type: 'array', items: obj({ spread: str }) },
      max_replicas_per_node: int,
    }),
  },
  { nullable: true },
);

const fileRef: Schema = {
  type: 'array',
  items: {
    oneOf: [str, { type: 'object', properties: { source: str, target: str, uid: str, gid: str, mode: num } }],
  },
};

const serviceVolume: Schema = {
  oneOf: [
    str,
    {
      ...obj({
        type: str,
        source: str,
        target: str,
        read_only: bool,
        consistency: str,
        bind: { type: 'object', properties: { propagation: str } },
        volume: { type: 'object', properties: { nocopy: bool } },
        tmpfs: { type: 'object', properties: { size: { type: 'integer', minimum: 0 } } },
      }),
      required: ['type'],
    },
  ],
};

const port: Schema = {
  oneOf: [
    { type: 'number', format: 'ports' },
    { type: 'string', format: 'ports' },
    obj({ mode: str, target: int, published: int, protocol: str }),
  ],
};

const serviceNetworks: Schema = {
  oneOf: [
    uniqueStrings,
    {
      type: 'object',
      patternProperties: {
        [NAME]: {
          oneOf: [
            obj({
              aliases: uniqueStrings,
              driver_opts: optionMap(['string', 'number']),
              ipv4_address: str,
              ipv6_address: str,
            }),
            { type: 'null' },
          ],
        },
      },
      additionalProperties: false,
    },
  ],
};

const service = obj(
  {
    // Converted for swarm.
    image: str,
    command: stringOrArgs,
    entrypoint: stringOrArgs,
    environment: listOrDict,
    env_file: stringOrList,
    labels: listOrDict,
    deploy,
    ports: { type: 'array', items: port, uniqueItems: true },
    volumes: { type: 'array', items: serviceVolume, uniqueItems: true },
    networks: serviceNetworks,
    secrets: fileRef,
    configs: fileRef,
    healthcheck: obj({
      disable: bool,
      interval: duration,
      retries: num,
      test: stringOrArgs,
      timeout: duration,
      start_period: duration,
      start_interval: duration,
    }),
    hostname: str,
    user: str,
    working_dir: str,
    stop_grace_period: duration,
    stop_signal: str,
    extra_hosts: listOrDict,
    dns: stringOrList,
    dns_search: stringOrList,
    cap_add: uniqueStrings,
    cap_drop: uniqueStrings,
    sysctls: listOrDict,
    ulimits: {
      type: 'object',
      patternProperties: {
        '^[a-z]+$': { oneOf: [int, { ...obj({ hard: int, soft: int }), required: ['soft', 'hard'] }] },
      },
    },
    init: bool,
    read_only: bool,
    tty: bool,
    stdin_open: bool,
    tmpfs: stringOrList,
    logging: obj({ driver: str, options: optionMap(['string', 'number', 'null']) }),
    isolation: str,
    oom_score_adj: int,
    credential_spec: obj({ config: str, file: str, registry: str }),
    // Accepted, then ignored for swarm (with Docker's warning for most).
    build: {
      oneOf: [
        str,
        { type: 'object', properties: { context: str, dockerfile: str }, additionalProperties: true },
      ],
    },
    cgroupns_mode: str,
    cgroup_parent: str,
    container_name: str,
    depends_on: uniqueStrings,
    devices: uniqueStrings,
    domainname: str,
    expose: { type: 'array', items: { type: ['string', 'number'], format: 'expose' }, uniqueItems: true },
    external_links: uniqueStrings,
    ipc: str,
    links: uniqueStrings,
    mac_address: str,
    network_mode: str,
    pid: { type: ['string', 'null'] },
    privileged: bool,
    restart: str,
    security_opt: uniqueStrings,
    shm_size: { type: ['number', 'string'] },
    userns_mode: str,
  },
  { ext: true },
);

const externalFlag: Schema = { type: ['boolean', 'object'], properties: { name: str } };

const network = obj(
  {
    name: str,
    driver: str,
    driver_opts: optionMap(['string', 'number']),
    ipam: obj({ driver: str, config: { type: 'array', items: obj({ subnet: str }) } }),
    external: { ...externalFlag, additionalProperties: false },
    internal: bool,
    attachable: bool,
    labels: listOrDict,
  },
  { ext: true, nullable: true },
);

const volume = obj(
  {
    name: str,
    driver: str,
    driver_opts: optionMap(['string', 'number']),
    external: { ...externalFlag, additionalProperties: false },
    labels: listOrDict,
  },
  { ext: true, nullable: true },
);

const fileObject = (withDriver: boolean): Schema =>
  obj(
    {
      name: str,
      file: str,
      external: externalFlag,
      labels: listOrDict,
      template_driver: str,
      ...(withDriver ? { driver: str, driver_opts: optionMap(['string', 'number']) } : {}),
    },
    { ext: true },
  );

const section = (item: Schema, closed = true): Schema => ({
  type: 'object',
  patternProperties: { [NAME]: item },
  ...(closed ? { additionalProperties: false } : {}),
});

export const COMPOSE_SCHEMA: Schema = {
  type: 'object',
  properties: {
    version: str,
    services: section(service),
    networks: section(network, false),
    volumes: section(volume),
    secrets: section(fileObject(true)),
    configs: section(fileObject(false)),
  },
  patternProperties: { '^x-': {} },
  additionalProperties: false,
};
