using BenchmarkDotNet.Attributes;

namespace NanoSecurity.Benchmarks
{
    /// <summary>
    /// The transport's per-connection and per-message costs: building a SAS token (once per
    /// connection and renewal) and encoding the MQTT PUBLISH of a full 4 KB security message.
    /// </summary>
    [MemoryDiagnoser]
    public class TransportBenchmarks
    {
        private const int MessageSize = 4038;
        private const long Expiry = 1_800_000_000;

        private readonly byte[] _key = new byte[32];
        private readonly byte[] _body = new byte[MessageSize];
        private IotHubConnectionString _connection;
        private string _topic;
        private byte[] _packet;

        [GlobalSetup]
        public void Setup()
        {
            new Random(1).NextBytes(_key);
            new Random(2).NextBytes(_body);
            _connection = IotHubConnectionString.Parse(
                "HostName=myhub.azure-devices.net;DeviceId=sensor-0001;SharedAccessKey=" + Convert.ToBase64String(_key));
            _topic = IotHubIdentity.TelemetryTopic(_connection);
            _packet = new byte[MessageSize + 1024];
        }

        /// <summary>A device SAS token: URL-encoding, HMAC-SHA256 in managed code, Base64.</summary>
        [Benchmark]
        public string SasToken() => NanoSecurity.SasToken.Build(_connection.HostName, _connection.DeviceId, null, _connection.Key, Expiry);

        /// <summary>A QoS 1 PUBLISH of a 4038-byte body to the security-message topic, into a preallocated buffer.</summary>
        [Benchmark]
        public int Publish4KB() => MqttPacketWriter.WritePublish(_packet, _topic, _body, 0, _body.Length, 1, 1, false);
    }
}
