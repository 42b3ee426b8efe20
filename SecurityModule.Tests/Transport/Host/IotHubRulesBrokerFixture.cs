using NanoSecurity.Testing;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>One IotHubRulesBroker ("localhost", TLS and plain) with a few identities, shared by a test class.</summary>
    public sealed class IotHubRulesBrokerFixture : Xunit.IAsyncLifetime
    {
        public const string Device1 = "dev1";
        public const string Device2 = "dev2";
        public const string Module = "azureiotsecurity";

        public static readonly string Device1Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        public static readonly string Device2Key = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());
        public static readonly string ModuleKey = Convert.ToBase64String(Enumerable.Range(201, 32).Select(i => (byte)i).ToArray());

        public IotHubRulesBroker Broker { get; private set; }

        public async Task InitializeAsync()
        {
            Broker = await IotHubRulesBroker.StartAsync(new IotHubRulesBrokerOptions { HostName = "localhost", EnablePlaintext = true });
            Broker.AddDevice(Device1, Device1Key);
            Broker.AddDevice(Device2, Device2Key);
            Broker.AddModule(Device1, Module, ModuleKey);
        }

        public async Task DisposeAsync()
        {
            if (Broker != null)
            {
                await Broker.DisposeAsync();
            }
        }
    }
}
