import { describe, expect, it } from "vitest";
import { addressPrefix } from "../../src/http/address";

describe("addressPrefix", () => {
	it("keeps an IPv4 address whole and keys IPv6 by its /64, however it is spelled", () => {
		expect(addressPrefix("198.51.100.7")).toBe("198.51.100.7");
		expect(addressPrefix("::ffff:198.51.100.7")).toBe("198.51.100.7");
		expect(addressPrefix("2001:db8:aa:bb:1:2:3:4")).toBe("2001:db8:aa:bb::/64");
		expect(addressPrefix("2001:0DB8:00AA:00BB::9")).toBe("2001:db8:aa:bb::/64");
		expect(addressPrefix("2001:db8::1")).toBe("2001:db8:0:0::/64");
		expect(addressPrefix("2001:db8:aa:bb::")).toBe("2001:db8:aa:bb::/64");
		expect(addressPrefix("::1")).toBe("0:0:0:0::/64");
		expect(addressPrefix("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
		expect(addressPrefix("2001:db8:aa:cc::1")).not.toBe(addressPrefix("2001:db8:aa:bb::1"));
	});
});
