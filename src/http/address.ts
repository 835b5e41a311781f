/**
 * The part of a client address that one subscriber controls: an IPv4 address whole, an IPv6
 * address by its /64 (a subscriber's routed prefix, inside which rotating addresses is free).
 * Used only to key limits; never stored as is.
 */
export function addressPrefix(address: string): string {
	if (!address.includes(":")) return address;
	const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
	if (mapped) return mapped[1] as string;
	const [head = "", tail = ""] = address.toLowerCase().split("%")[0]?.split("::") ?? [];
	const headGroups = head ? head.split(":") : [];
	const tailGroups = address.includes("::") && tail ? tail.split(":") : [];
	// An embedded IPv4 tail (::ffff:1.2.3.4) is two groups; it never reaches the first four.
	const missing = Math.max(0, 8 - headGroups.length - tailGroups.length);
	const groups = address.includes("::")
		? [...headGroups, ...Array.from({ length: missing }, () => "0"), ...tailGroups]
		: headGroups;
	const prefix = groups.slice(0, 4).map((g) => (Number.parseInt(g, 16) || 0).toString(16));
	while (prefix.length < 4) prefix.push("0");
	return `${prefix.join(":")}::/64`;
}
