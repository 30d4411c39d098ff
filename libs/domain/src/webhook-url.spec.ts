import { addressRefusal, webhookUrlRefusal, type WebhookUrlPolicy } from './webhook-url';

describe('addressRefusal', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['fc00::1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['2001:db8::1', 'reserved'],
    // IPv4 reached through IPv6: mapped (both spellings), NAT64, 6to4.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:0a00:0001::1', 'private'],
  ])('%s is %s', (address, reason) => {
    expect(addressRefusal(address)).toBe(reason);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::6810:84e5', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    '%s is public',
    (address) => {
      expect(addressRefusal(address)).toBeUndefined();
    },
  );

  it('is no judge of what is not an address', () => {
    for (const text of ['example.com', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1:2:3', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1']) {
      expect(addressRefusal(text)).toBeUndefined();
    }
  });
});

describe('webhookUrlRefusal', () => {
  const dns: Record<string, string[]> = {
    'hooks.example.com': ['93.184.215.14', '2606:4700::6810:84e5'],
    'rebound.example.com': ['93.184.215.14', '10.1.2.3'],
    localhost: ['127.0.0.1', '::1'],
  };
  const policy = (allowPrivate: boolean): WebhookUrlPolicy => ({
    allowPrivate,
    resolve: async (host) => {
      const addresses = dns[host];
      if (!addresses) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
      return addresses;
    },
  });

  it('lets http(s) URLs of public hosts through', async () => {
    expect(await webhookUrlRefusal('https://hooks.example.com/in', policy(false))).toBeUndefined();
    expect(await webhookUrlRefusal('http://93.184.215.14:8080/in', policy(false))).toBeUndefined();
  });

  it('refuses other schemes and malformed URLs, whatever the policy', async () => {
    expect(await webhookUrlRefusal('ftp://hooks.example.com/', policy(true))).toEqual({ reason: 'scheme', message: expect.stringContaining('http or https') });
    expect(await webhookUrlRefusal('file:///etc/passwd', policy(true))).toMatchObject({ reason: 'scheme' });
    expect(await webhookUrlRefusal('hooks.example.com/in', policy(true))).toMatchObject({ reason: 'malformed' });
  });

  it('refuses private, loopback and metadata addresses, literal or resolved, naming the address', async () => {
    expect(await webhookUrlRefusal('http://169.254.169.254/latest/meta-data/', policy(false))).toEqual({
      reason: 'link_local',
      message: '169.254.169.254 is a link-local address (where cloud metadata services answer): webhooks are sent to public addresses only',
    });
    expect(await webhookUrlRefusal('http://10.0.0.1/', policy(false))).toMatchObject({ reason: 'private' });
    expect(await webhookUrlRefusal('http://[::1]:3000/', policy(false))).toMatchObject({ reason: 'loopback' });
    // The URL parser's spellings of 127.0.0.1 are the same address.
    expect(await webhookUrlRefusal('http://0x7f.1/', policy(false))).toMatchObject({ reason: 'loopback' });
    expect(await webhookUrlRefusal('http://localhost:8080/', policy(false))).toEqual({
      reason: 'loopback',
      message: expect.stringContaining('localhost resolves to 127.0.0.1, a loopback address'),
    });
    // One private address among public ones is enough: the connection could go there.
    expect(await webhookUrlRefusal('https://rebound.example.com/', policy(false))).toMatchObject({ reason: 'private' });
  });

  it('refuses a host that does not resolve', async () => {
    expect(await webhookUrlRefusal('https://nowhere.invalid/', policy(true))).toEqual({
      reason: 'unresolvable',
      message: expect.stringContaining('nowhere.invalid does not resolve'),
    });
  });

  it('refuses a host whose resolution hangs, after 5 s', async () => {
    jest.useFakeTimers();
    try {
      const refusal = webhookUrlRefusal('https://slow.example.com/', { allowPrivate: false, resolve: () => new Promise<string[]>(() => undefined) });
      await jest.advanceTimersByTimeAsync(5_000);
      expect(await refusal).toEqual({
        reason: 'unresolvable',
        message: expect.stringContaining('slow.example.com does not resolve (no answer within 5000 ms)'),
      });
    } finally {
      jest.useRealTimers();
    }
  });

  it('lets private and loopback addresses through when allowed, never unspecified or multicast ones', async () => {
    expect(await webhookUrlRefusal('http://127.0.0.1:9999/', policy(true))).toBeUndefined();
    expect(await webhookUrlRefusal('http://localhost/', policy(true))).toBeUndefined();
    expect(await webhookUrlRefusal('http://10.0.0.1/', policy(true))).toBeUndefined();
    expect(await webhookUrlRefusal('http://0.0.0.0/', policy(true))).toMatchObject({ reason: 'unspecified' });
    expect(await webhookUrlRefusal('http://224.0.0.1/', policy(true))).toMatchObject({ reason: 'multicast' });
  });
});
