namespace NanoSecurity.DeviceTests
{
    /// <summary>Whole-module security messages, byte for byte, from a module on fake ports driven by hand.</summary>
    internal static class MessageChecks
    {
        internal static void Run(Check check)
        {
            var clock = new ManualClock();
            clock.Set(1000);
            var device = new DeviceModule(clock);
            device.Engine.Start();
            device.Engine.SetLinkState(true);

            SecurityModule module = device.Module;
            module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0xC0A80128, 50000, 0x0D6B2A10, 8883, 517);
            module.Ipv4Connections.Record(FlowDirection.In, TransportProtocol.Tcp, 0xC0A80128, 50000, 0x0D6B2A10, 8883, 3021);
            module.Ipv4Connections.Record(FlowDirection.In, TransportProtocol.Udp, 0xC0A80128, 68, 0xC0A80101, 67, 300);
            var addresses = new byte[32];
            addresses[0] = 0xfe;
            addresses[1] = 0x80;
            addresses[15] = 0x01;
            addresses[16] = 0x20;
            addresses[17] = 0x01;
            addresses[18] = 0x0d;
            addresses[19] = 0xb8;
            addresses[31] = 0x07;
            module.Ipv6Connections.Record(FlowDirection.Out, TransportProtocol.Icmp, addresses, 0, 0, addresses, 16, 0, 64);

            clock.Set(device.Engine.NextDue(CollectorPriority.High));
            device.Engine.Tick();
            for (int second = 0; second < 60; second++)
            {
                clock.Advance(1000);
                device.Engine.Tick();
            }

            string[] expected = Expected();
            check.Equal("message-count", expected.Length, device.Sink.Count);
            for (int i = 0; i < device.Sink.Count; i++)
            {
                check.Equal("message-" + i.ToString(), i < expected.Length ? expected[i] : "(none)", DeviceModule.Text(device.Sink.Message(i)));
            }
        }

        internal static string[] Expected()
        {
            return new string[]
            {
                "{\"AgentVersion\":\"" + ModuleVersion.Text + "\",\"AgentId\":\"68cc850e-3a64-8bc3-809f-857e9b58d0ba\",\"MessageSchemaVersion\":\"1.0\",\"Events\":["
                    + "{\"Id\":\"01020304-0506-4708-890a-0b0c0d0e0f10\",\"TimestampLocal\":\"2026-11-25T13:00:31.000+01:00\",\"TimestampUTC\":\"2026-11-25T12:00:31.000Z\",\"Category\":\"Triggered\",\"Name\":\"ConnectionCreate\",\"EventType\":\"Security\",\"PayloadSchemaVersion\":\"1.0\",\"IsEmpty\":false,\"Payload\":[{\"RemoteAddress\":\"13.107.42.16\",\"LocalAddress\":\"192.168.1.40\",\"RemotePort\":\"8883\",\"LocalPort\":\"50000\",\"Direction\":\"Out\",\"Protocol\":\"TCP\",\"ProcessId\":0,\"Executable\":\"firmware\",\"ExtraDetails\":{\"BytesIn\":\"3021\",\"BytesOut\":\"517\",\"HitCount\":\"2\"}},{\"RemoteAddress\":\"192.168.1.1\",\"LocalAddress\":\"192.168.1.40\",\"RemotePort\":\"67\",\"LocalPort\":\"68\",\"Direction\":\"In\",\"Protocol\":\"UDP\",\"ProcessId\":0,\"Executable\":\"firmware\",\"ExtraDetails\":{\"BytesIn\":\"300\",\"BytesOut\":\"0\",\"HitCount\":\"1\"}},{\"RemoteAddress\":\"2001:db8::7\",\"LocalAddress\":\"fe80::1\",\"RemotePort\":\"0\",\"LocalPort\":\"0\",\"Direction\":\"Out\",\"Protocol\":\"ICMP\",\"ProcessId\":0,\"Executable\":\"firmware\",\"ExtraDetails\":{\"BytesIn\":\"0\",\"BytesOut\":\"64\",\"HitCount\":\"1\"}}]}"
                    + ",{\"Id\":\"11121314-1516-4718-991a-1b1c1d1e1f20\",\"TimestampLocal\":\"2026-11-25T13:00:31.000+01:00\",\"TimestampUTC\":\"2026-11-25T12:00:31.000Z\",\"Category\":\"Periodic\",\"Name\":\"ListeningPorts\",\"EventType\":\"Security\",\"PayloadSchemaVersion\":\"1.0\",\"IsEmpty\":false,\"Payload\":[{\"LocalAddress\":\"0.0.0.0\",\"LocalPort\":\"80\",\"Protocol\":\"TCP\"},{\"LocalAddress\":\"::\",\"LocalPort\":\"5353\",\"Protocol\":\"UDP\"}]}"
                    + ",{\"Id\":\"21222324-2526-4728-a92a-2b2c2d2e2f30\",\"TimestampLocal\":\"2026-11-25T13:00:31.000+01:00\",\"TimestampUTC\":\"2026-11-25T12:00:31.000Z\",\"Category\":\"Periodic\",\"Name\":\"SystemInformation\",\"EventType\":\"Security\",\"PayloadSchemaVersion\":\"1.0\",\"IsEmpty\":false,\"Payload\":[{\"OSName\":\"nanoFramework\",\"OSVersion\":\"1.17.11\",\"OsArchitecture\":\"ESP32\",\"HostName\":\"sensor-\ud83d\ude00-7\",\"TotalPhysicalMemoryInKB\":520,\"FreePhysicalMemoryInKB\":211,\"ExtraDetails\":{\"FirmwareVersion\":\"fw 2.4\",\"Interface0.Type\":\"Wireless80211\",\"Interface0.MacAddress\":\"24:0a:c4:00:11:22\",\"Interface0.IPv4Address\":\"192.168.1.40\",\"Interface0.IPv6Address\":\"fe80::260a:c4ff:fe00:1122\"}}]}"
                    + ",{\"Id\":\"31323334-3536-4738-b93a-3b3c3d3e3f40\",\"TimestampLocal\":\"2026-11-25T13:00:31.000+01:00\",\"TimestampUTC\":\"2026-11-25T12:00:31.000Z\",\"Category\":\"Periodic\",\"Name\":\"SystemInformation\",\"EventType\":\"Security\",\"PayloadSchemaVersion\":\"1.0\",\"IsEmpty\":true,\"Payload\":[]}]}",
                "{\"AgentVersion\":\"" + ModuleVersion.Text + "\",\"AgentId\":\"68cc850e-3a64-8bc3-809f-857e9b58d0ba\",\"MessageSchemaVersion\":\"1.0\",\"Events\":["
                    + "{\"Id\":\"41424344-4546-4748-894a-4b4c4d4e4f50\",\"TimestampLocal\":\"2026-11-25T13:01:01.000+01:00\",\"TimestampUTC\":\"2026-11-25T12:01:01.000Z\",\"Category\":\"Periodic\",\"Name\":\"ListeningPorts\",\"EventType\":\"Security\",\"PayloadSchemaVersion\":\"1.0\",\"IsEmpty\":false,\"Payload\":[{\"LocalAddress\":\"0.0.0.0\",\"LocalPort\":\"80\",\"Protocol\":\"TCP\"},{\"LocalAddress\":\"::\",\"LocalPort\":\"5353\",\"Protocol\":\"UDP\"}]}]}",
                "{\"AgentVersion\":\"" + ModuleVersion.Text + "\",\"AgentId\":\"68cc850e-3a64-8bc3-809f-857e9b58d0ba\",\"MessageSchemaVersion\":\"1.0\",\"Events\":["
                    + "{\"Id\":\"51525354-5556-4758-995a-5b5c5d5e5f60\",\"TimestampLocal\":\"2026-11-25T13:01:31.000+01:00\",\"TimestampUTC\":\"2026-11-25T12:01:31.000Z\",\"Category\":\"Periodic\",\"Name\":\"ListeningPorts\",\"EventType\":\"Security\",\"PayloadSchemaVersion\":\"1.0\",\"IsEmpty\":false,\"Payload\":[{\"LocalAddress\":\"0.0.0.0\",\"LocalPort\":\"80\",\"Protocol\":\"TCP\"},{\"LocalAddress\":\"::\",\"LocalPort\":\"5353\",\"Protocol\":\"UDP\"}]}"
                    + ",{\"Id\":\"61626364-6566-4768-a96a-6b6c6d6e6f70\",\"TimestampLocal\":\"2026-11-25T13:01:31.000+01:00\",\"TimestampUTC\":\"2026-11-25T12:01:31.000Z\",\"Category\":\"Periodic\",\"Name\":\"SystemInformation\",\"EventType\":\"Security\",\"PayloadSchemaVersion\":\"1.0\",\"IsEmpty\":false,\"Payload\":[{\"OSName\":\"nanoFramework\",\"OSVersion\":\"1.17.11\",\"OsArchitecture\":\"ESP32\",\"HostName\":\"sensor-\ud83d\ude00-7\",\"TotalPhysicalMemoryInKB\":520,\"FreePhysicalMemoryInKB\":211,\"ExtraDetails\":{\"FirmwareVersion\":\"fw 2.4\",\"Interface0.Type\":\"Wireless80211\",\"Interface0.MacAddress\":\"24:0a:c4:00:11:22\",\"Interface0.IPv4Address\":\"192.168.1.40\",\"Interface0.IPv6Address\":\"fe80::260a:c4ff:fe00:1122\"}}]}"
                    + ",{\"Id\":\"71727374-7576-4778-b97a-7b7c7d7e7f80\",\"TimestampLocal\":\"2026-11-25T13:01:31.000+01:00\",\"TimestampUTC\":\"2026-11-25T12:01:31.000Z\",\"Category\":\"Periodic\",\"Name\":\"SystemInformation\",\"EventType\":\"Security\",\"PayloadSchemaVersion\":\"1.0\",\"IsEmpty\":true,\"Payload\":[]}]}",
            };
        }
    }
}
