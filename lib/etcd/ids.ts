/** etcd member IDs are uint64 and travel as decimal strings; etcdctl shows them in hex. */
export function toHexId(id: string | number | bigint): string {
  return BigInt(id).toString(16);
}

export function fromHexId(hex: string): string {
  return BigInt(`0x${hex}`).toString(10);
}

export const hexIdPattern = /^[0-9a-f]{1,16}$/;
