using System;

namespace NanoSecurity.DeviceTests
{
    /// <summary>
    /// Figures to read, not checks: what the hot operations cost on the runtime that runs the
    /// driver (nanoCLR is an interpreter, so these are far above .NET's).
    /// </summary>
    internal static class Timings
    {
        internal static void Run(Check check)
        {
            RecordIpv4(check);
            RecordIpv6(check);
            Collection(check);
            Sas(check);
            TwinParse(check);
            PublishTopic(check);
        }

        private static void RecordIpv4(Check check)
        {
            const int Runs = 20000;
            var cache = new Ipv4ConnectionCache(64, new FlowFilter(false, false, false, true));
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, 0xC0A80128, 50000, 0x0D6B2A10, 443, 100);
            long start = DateTime.UtcNow.Ticks;
            for (int i = 0; i < Runs; i++)
            {
                cache.Record(FlowDirection.Out, TransportProtocol.Tcp, 0xC0A80128, 50000, 0x0D6B2A10, 443, 100);
            }

            check.Time("record-ipv4-hit", DateTime.UtcNow.Ticks - start, Runs, "packet");
        }

        private static void RecordIpv6(Check check)
        {
            const int Runs = 20000;
            var addresses = new byte[32];
            addresses[0] = 0x20;
            addresses[1] = 0x01;
            addresses[16] = 0xfe;
            addresses[17] = 0x80;
            var cache = new Ipv6ConnectionCache(64, new FlowFilter(false, false, false, true));
            cache.Record(FlowDirection.Out, TransportProtocol.Tcp, addresses, 0, 50000, addresses, 16, 443, 100);
            long start = DateTime.UtcNow.Ticks;
            for (int i = 0; i < Runs; i++)
            {
                cache.Record(FlowDirection.Out, TransportProtocol.Tcp, addresses, 0, 50000, addresses, 16, 443, 100);
            }

            check.Time("record-ipv6-hit", DateTime.UtcNow.Ticks - start, Runs, "packet");
        }

        private static void Collection(Check check)
        {
            const int Runs = 5;
            var clock = new ManualClock();
            clock.Set(1000);
            var device = new DeviceModule(clock);
            device.Engine.Start();
            device.Engine.SetLinkState(true);
            clock.Set(device.Engine.NextDue(CollectorPriority.High));
            device.Engine.Tick();

            var addresses = new byte[32];
            addresses[0] = 0x20;
            addresses[16] = 0xfe;
            long elapsed = 0;
            for (int run = 0; run < Runs; run++)
            {
                for (int flow = 0; flow < 64; flow++)
                {
                    device.Module.Ipv4Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, 0xC0A80128, (ushort)(40000 + flow), 0x0D6B2A10, 443, 100);
                    addresses[15] = (byte)flow;
                    device.Module.Ipv6Connections.Record(FlowDirection.Out, TransportProtocol.Tcp, addresses, 0, 50000, addresses, 16, 443, 100);
                }

                clock.Advance(AscPortConfig.HighPriorityInterval * 1000);
                long start = DateTime.UtcNow.Ticks;
                device.Engine.Tick();
                elapsed += DateTime.UtcNow.Ticks - start;
            }

            check.Time("collection-64-plus-64-into-json", elapsed, Runs, "collection");
        }

        private static void Sas(Check check)
        {
            const int Runs = 20;
            byte[] key = CryptoChecks.SasKey();
            long start = DateTime.UtcNow.Ticks;
            for (int i = 0; i < Runs; i++)
            {
                SasToken.Build("hub.azure-devices.net", "device-01", "defender-iot-micro-agent", key, 1798761599);
            }

            check.Time("sas-token", DateTime.UtcNow.Ticks - start, Runs, "token");
        }

        /// <summary>
        /// The IoT Hub telemetry topic (160 characters): walking it, which a publish did three times
        /// before the client kept it encoded, against the header a publish now writes.
        /// </summary>
        private static void PublishTopic(Check check)
        {
            const int Runs = 20;
            string topic = "devices/device-01/modules/defender-iot-micro-agent/messages/events/" + SecurityMessageProperties.MqttPropertyBag;
            byte[] topicName = null;
            long start = DateTime.UtcNow.Ticks;
            for (int i = 0; i < Runs; i++)
            {
                topicName = MqttPacketWriter.EncodeTopicName(topic);
            }

            check.Time("publish-topic-encode", DateTime.UtcNow.Ticks - start, Runs, "topic");

            var buffer = new byte[4096];
            int payloadOffset = MqttPacketWriter.PublishPayloadOffset(topicName, buffer.Length);
            start = DateTime.UtcNow.Ticks;
            for (int i = 0; i < Runs; i++)
            {
                MqttPacketWriter.WritePublishHeader(buffer, payloadOffset, 1000, topicName, 7);
            }

            check.Time("publish-header-encoded-topic", DateTime.UtcNow.Ticks - start, Runs, "publish");
        }

        private static void TwinParse(Check check)
        {
            const int Runs = 20;
            byte[] document = DeviceModule.Utf8(TwinChecks.MicrosoftDefault);
            var parser = new TwinConfigurationParser(AgentConfiguration.Defaults());
            AgentConfiguration current = AgentConfiguration.Defaults();
            var errors = new ConfigurationErrorList(ConfigurationErrorList.DefaultCapacity);
            long start = DateTime.UtcNow.Ticks;
            for (int i = 0; i < Runs; i++)
            {
                errors.Clear();
                parser.Apply(document, 0, document.Length, true, -1, current, errors);
            }

            check.Time("twin-parse-microsoft-default", DateTime.UtcNow.Ticks - start, Runs, "document");
        }
    }
}
