import { describe, expect, it } from 'vitest';
import { ConfigInvalid, classifyAddress, prepareConfig, refusal, urlRefusal, type NetworkPolicy } from '../../../extraction';

const strict: NetworkPolicy = { allowLoopback: false, allowPrivate: false, apiPort: 3000 };
const local: NetworkPolicy = { allowLoopback: true, allowPrivate: false, apiPort: 3000 };

describe('what extraction configs may reach', () => {
  it('classifies addresses, IPv4-mapped IPv6 included', () => {
    expect(classifyAddress('8.8.8.8')).toBe('public');
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::ffff:127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::1')).toBe('loopback');
    expect(classifyAddress('10.0.0.1')).toBe('private');
    expect(classifyAddress('172.16.5.4')).toBe('private');
    expect(classifyAddress('192.168.1.1')).toBe('private');
    expect(classifyAddress('100.64.0.1')).toBe('private');
    expect(classifyAddress('fc00::1')).toBe('private');
    expect(classifyAddress('169.254.169.254')).toBe('metadata');
    expect(classifyAddress('fd00:ec2::254')).toBe('metadata');
    expect(classifyAddress('169.254.1.1')).toBe('linkLocal');
    expect(classifyAddress('fe80::1')).toBe('linkLocal');
    expect(classifyAddress('0.0.0.0')).toBe('unspecified');
  });

  it('never reaches metadata or link-local, nor the API itself; loopback and private only when allowed', () => {
    expect(refusal('169.254.169.254', 80, { allowLoopback: true, allowPrivate: true, apiPort: null })).toMatch(/metadata/);
    expect(refusal('169.254.1.1', 80, { allowLoopback: true, allowPrivate: true, apiPort: null })).toMatch(/link-local/);
    expect(refusal('127.0.0.1', 4010, strict)).toMatch(/loopback/);
    expect(refusal('127.0.0.1', 4010, local)).toBeNull();
    expect(refusal('127.0.0.1', 3000, local)).toMatch(/API's own port/);
    expect(refusal('10.0.0.5', 443, local)).toMatch(/private/);
    expect(refusal('10.0.0.5', 443, { ...local, allowPrivate: true })).toBeNull();
    expect(refusal('93.184.216.34', 443, strict)).toBeNull();
  });

  it('reads what it can from a URL before any lookup: literal IPs (in any notation), localhost, metadata names, schemes', () => {
    expect(urlRefusal('http://169.254.169.254/latest/meta-data/', local)).toMatch(/metadata/);
    expect(urlRefusal('http://[fd00:ec2::254]/latest', local)).toMatch(/metadata/);
    expect(urlRefusal('http://metadata.google.internal/computeMetadata/v1/', local)).toMatch(/metadata/);
    expect(urlRefusal('http://2130706433:8080/x', strict)).toMatch(/loopback/); // 127.0.0.1 as one number
    expect(urlRefusal('http://localhost:4010/demo', strict)).toMatch(/loopback/);
    expect(urlRefusal('http://127.0.0.1:3000/api/keys', local)).toMatch(/API's own port/);
    expect(urlRefusal('file:///etc/passwd', local)).toMatch(/not http or https/);
    expect(urlRefusal('https://www.zohoapis.com/crm/v2/Deals', strict)).toBeNull();
    expect(urlRefusal('${secret::base}/v1', strict)).toBeNull();
  });
});

describe('configs that would fail later are refused now, naming the path', () => {
  const base = (extraction: Record<string, unknown>) => ({ name: 'c', extractions: [{ name: 'e', endpoint: { url: 'https://api.example.com/x' }, ...extraction }] });
  const issues = (body: unknown, policy: NetworkPolicy = strict): { path: string; message: string }[] => {
    try {
      prepareConfig(body, 'cfg_1', null, (p) => `${p}_1`, { network: policy });
      return [];
    } catch (err) {
      if (err instanceof ConfigInvalid) return err.issues;
      throw err;
    }
  };

  it('a URL the workers may not reach', () => {
    expect(issues(base({ endpoint: { url: 'http://169.254.169.254/latest/meta-data/iam/' } }))).toEqual([
      { path: 'extractions[0].endpoint.url', message: expect.stringMatching(/cloud metadata service/) },
    ]);
    expect(issues({ name: 'c', auth: { refresh_token: { endpoint: { url: 'http://10.1.2.3/token' }, response_token_key: 'access_token' } }, extractions: base({}).extractions })[0]?.path).toBe('auth.refresh_token.endpoint.url');
    expect(issues(base({ endpoint: { url: 'http://127.0.0.1:4010/demo/x' } }), local)).toEqual([]);
  });

  it('an S3 key over 1,024 bytes', () => {
    expect(issues(base({ s3_destiny: { folder: 'a/'.repeat(520) } }))[0]).toMatchObject({ path: 'extractions[0].s3_destiny', message: expect.stringMatching(/S3 allows 1024/) });
    expect(issues(base({ s3_destiny: { folder: 'a/'.repeat(400) } }))).toEqual([]);
  });

  it('a header name or value that would split the request', () => {
    expect(issues(base({ endpoint: { url: 'https://api.example.com/x', headers: { 'X-A\r\nInjected': 'v' } } }))[0]?.path).toMatch(/^extractions\[0\]\.endpoint\.headers/);
    expect(issues(base({ endpoint: { url: 'https://api.example.com/x', headers: { 'X-Ok': 'v\r\nInjected: 1' } } }))[0]?.message).toMatch(/line break/);
  });
});
