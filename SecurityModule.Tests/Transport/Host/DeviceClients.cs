using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;

namespace NanoSecurity.Tests.Transport.Host
{
    /// <summary>
    /// MQTTnet clients for the tests, and an IoT Hub SAS token computed here, independently of the
    /// broker's checker (as azure-sdk-for-c does: upper-case percent-encoding, HMAC-SHA256 over "sr\nse").
    /// </summary>
    internal static class DeviceClients
    {
        public const string ApiVersion = "2021-04-12";

        public static string SasToken(string host, string deviceId, string moduleId, string base64Key, DateTimeOffset expiry)
        {
            string resource = host + "/devices/" + deviceId + (moduleId == null ? string.Empty : "/modules/" + moduleId);
            string encodedResource = Uri.EscapeDataString(resource);
            string se = expiry.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var hmac = new HMACSHA256(Convert.FromBase64String(base64Key));
            string signature = Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(encodedResource + "\n" + se)));
            return $"SharedAccessSignature sr={encodedResource}&sig={Uri.EscapeDataString(signature)}&se={se}";
        }

        public static string UserName(string host, string deviceId, string moduleId = null)
            => host + "/" + deviceId + (moduleId == null ? string.Empty : "/" + moduleId) + "/?api-version=" + ApiVersion;

        /// <summary>Options for an MQTT 3.1.1 client over TLS trusting <paramref name="caFile"/> (or plain when null).</summary>
        public static MqttClientOptions Options(
            string host, int port, string caFile, string clientId, string userName = null, string password = null,
            MqttProtocolVersion version = MqttProtocolVersion.V311, bool cleanSession = true)
        {
            MqttClientOptionsBuilder builder = new MqttClientFactory().CreateClientOptionsBuilder()
                .WithTcpServer(host, port)
                .WithProtocolVersion(version)
                .WithClientId(clientId)
                .WithCleanSession(cleanSession)
                .WithTimeout(TimeSpan.FromSeconds(5));
            if (userName != null)
            {
                builder = builder.WithCredentials(userName, password);
            }

            if (caFile != null)
            {
                var trusted = new X509Certificate2Collection();
                trusted.ImportFromPemFile(caFile);
                builder = builder.WithTlsOptions(tls => tls
                    .UseTls(true)
                    .WithTargetHost("localhost")
                    .WithCertificateValidationHandler(e =>
                    {
                        if ((e.SslPolicyErrors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                        {
                            return false;
                        }

                        using var chain = new X509Chain();
                        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
                        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                        return chain.Build(X509CertificateLoader.LoadCertificate(e.Certificate.GetRawCertData()));
                    }));
            }

            return builder.Build();
        }

        /// <summary>A client whose <see cref="Disconnected"/> task completes when its connection drops.</summary>
        public sealed class Watched : IDisposable
        {
            private readonly TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public Watched()
            {
                Client = new MqttClientFactory().CreateMqttClient();
                Client.DisconnectedAsync += e =>
                {
                    if (e.ClientWasConnected)
                    {
                        _disconnected.TrySetResult();
                    }

                    return Task.CompletedTask;
                };
            }

            public IMqttClient Client { get; }

            public Task Disconnected => _disconnected.Task;

            public void Dispose() => Client.Dispose();
        }
    }
}
