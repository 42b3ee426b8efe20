namespace NanoSecurity.DeviceTests
{
    /// <summary>The IPv4 and IPv6 flow caches: aggregation, filters, a full cache, spilling.</summary>
    internal static class CacheChecks
    {
        private const uint Local = 0xC0A80128;   // 192.168.1.40
        private const uint Remote = 0x0D6B2A10;  // 13.107.42.16
        private const uint Multicast = 0xE00000FB; // 224.0.0.251

        internal static void Run(Check check)
        {
            Ipv4(check);
            Ipv4Full(check);
            Ipv4Spill(check);
            Ipv6(check);
        }

        private static FlowFilter Everything()
        {
            return new FlowFilter(false, false, false, true);
        }

        private static void Ipv4(Check check)
        {
            var cache = new Ipv4ConnectionCache(8, new FlowFilter(false, true, false, true));
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 50000, Remote, 443, 100);
            cache.Record(FlowDirection.In, TransportProtocol.Tcp, Local, 50000, Remote, 443, 1400);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 50000, Remote, 443, 60);
            check.Equal("ipv4-aggregates", 1, cache.Count);
            check.Equal("ipv4-udp-filtered", false, cache.Record(FlowDirection.Out, TransportProtocol.Udp, Local, 5353, Remote, 53, 40));
            check.Equal("ipv4-multicast-in-filtered", false, cache.Record(FlowDirection.In, TransportProtocol.Icmp, Multicast, 0, Remote, 0, 64));

            Ipv4FlowTable table = cache.SwapForCollection();
            check.Equal("ipv4-swap-empties-recording", 0, cache.Count);
            check.True("ipv4-flow", table.Count == 1 && table.LocalAddress(0) == Local && table.RemoteAddress(0) == Remote
                && table.LocalPort(0) == 50000 && table.RemotePort(0) == 443 && (int)table.Direction(0) == (int)FlowDirection.Out,
                "count " + table.Count.ToString());
            check.True("ipv4-counts", table.HitCount(0) == 3 && table.BytesIn(0) == 1400 && table.BytesOut(0) == 160,
                "hits " + table.HitCount(0).ToString() + " in " + table.BytesIn(0).ToString() + " out " + table.BytesOut(0).ToString());
            cache.Release();
        }

        private static void Ipv4Full(Check check)
        {
            var cache = new Ipv4ConnectionCache(2, Everything());
            cache.Record(FlowDirection.Out, TransportProtocol.Udp, Local, 1, Remote, 53, 10);
            cache.Record(FlowDirection.Out, TransportProtocol.Udp, Local, 2, Remote, 53, 10);
            check.Equal("ipv4-full-refuses-new", false, cache.Record(FlowDirection.Out, TransportProtocol.Udp, Local, 3, Remote, 53, 10));
            cache.Record(FlowDirection.Out, TransportProtocol.Udp, Local, 3, Remote, 53, 10);
            cache.Record(FlowDirection.Out, TransportProtocol.Udp, Local, 4, Remote, 53, 10);
            check.Equal("ipv4-full-counts-known", true, cache.Record(FlowDirection.Out, TransportProtocol.Udp, Local, 1, Remote, 53, 10));

            Ipv4FlowTable table = cache.SwapForCollection();
            cache.AccountDrops(table);
            check.Equal("ipv4-full-kept", 2, table.Count);
            check.Equal("ipv4-dropped-packets", 3, cache.DroppedPackets);
            check.Equal("ipv4-dropped-flows-distinct", 2, cache.DroppedFlows);
            check.Equal("ipv4-dropped-flows-exact", false, cache.DroppedFlowsIsLowerBound);
            cache.Release();
        }

        private static void Ipv4Spill(Check check)
        {
            var cache = new Ipv4ConnectionCache(2, Everything());
            cache.SpillWhenFull = true;
            for (ushort port = 1; port <= 4; port++)
            {
                cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, port, Remote, 443, 10);
            }

            check.Equal("ipv4-spill-fifth-refused", false, cache.Record(FlowDirection.Out, TransportProtocol.Tcp, Local, 5, Remote, 443, 10));
            Ipv4FlowTable spilled = cache.TakeSpilledForCollection();
            check.True("ipv4-spill-first-two", spilled != null && spilled.Count == 2 && spilled.LocalPort(0) == 1 && spilled.LocalPort(1) == 2,
                spilled == null ? "nothing spilled" : "count " + spilled.Count.ToString());
            cache.Release();
            Ipv4FlowTable rest = cache.SwapForCollection();
            check.True("ipv4-spill-rest", rest.Count == 2 && rest.LocalPort(0) == 3 && rest.LocalPort(1) == 4, "count " + rest.Count.ToString());
            cache.Release();
        }

        private static void Ipv6(Check check)
        {
            var addresses = new byte[40];
            addresses[4] = 0xfe;
            addresses[5] = 0x80;
            addresses[19] = 0x01;
            addresses[24] = 0x20;
            addresses[25] = 0x01;
            addresses[26] = 0x0d;
            addresses[27] = 0xb8;
            addresses[39] = 0x07;
            var cache = new Ipv6ConnectionCache(4, Everything());
            cache.Record(FlowDirection.In, TransportProtocol.Tcp, addresses, 4, 8883, addresses, 24, 40000, 500);
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, addresses, 4, 8883, addresses, 24, 40000, 20);
            addresses[39] = 0x08;
            cache.Record(FlowDirection.In, TransportProtocol.Tcp, addresses, 4, 8883, addresses, 24, 40000, 1);
            check.Equal("ipv6-distinct-by-last-byte", 2, cache.Count);

            Ipv6FlowTable table = cache.SwapForCollection();
            check.True("ipv6-counts", table.Count == 2 && table.HitCount(0) == 2 && table.BytesIn(0) == 500 && table.BytesOut(0) == 20,
                "count " + table.Count.ToString() + " hits " + table.HitCount(0).ToString());
            cache.Release();
        }
    }
}
