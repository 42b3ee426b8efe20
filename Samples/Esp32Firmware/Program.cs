using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using nanoFramework.Azure.Devices.Client;
using nanoFramework.Azure.Devices.Shared;
using nanoFramework.Networking;
using NanoSecurity;
using NanoSecurity.Targets.NanoFramework;

namespace Esp32Firmware
{
    /// <summary>
    /// nanoSecurity on an ESP32 (see README.md for boards, the STM32 variant and setup):
    /// 1. connect Wi-Fi (or Ethernet), 2. wait for a valid UTC time (the firmware's SNTP),
    /// 3. read the IoT Hub connection string from the embedded resources, 4. start the security
    /// module with the nanoFramework ports and its own IoT Hub session, or 5. as the alternative,
    /// for a device identity, with the application's own nanoFramework.Azure.Devices DeviceClient. The application's
    /// own traffic goes through MonitoredSocket so that it shows up as network activity.
    /// </summary>
    /// <remarks>NOT BUILT OR RUN HERE: see targets/README.md for what was checked and how.</remarks>
    public static class Program
    {
        // true: the module opens its own IoT Hub session (MQTT 3.1.1 + TLS over SocketTlsChannel).
        // false: bring your own connection: the application's DeviceClient sends the messages
        // (device identities only; a module identity always uses the module's own session).
        private static readonly bool UseModuleSession = true;

#if ESP32
        // true: wired Ethernet ESP32 board (ESP32_ETHERNET_KIT_1.2, ESP32_WT32_ETH01 ...).
        // Builds without the ESP32 symbol (STM32) always use Ethernet.
        private static readonly bool UseEthernet = false;
#endif

        private const string ApplicationVersion = "1.0.0";
        private const int NetworkTimeoutMilliseconds = 60000;

        private static SecurityModule s_module;
        private static bool s_reported;
        private static SocketMonitor s_sockets;
        private static DeviceClient s_client;

        /// <summary>Entry point.</summary>
        public static void Main()
        {
            // 1. Network. requiresDateTime also waits for the firmware's SNTP to set the clock.
            while (!ConnectNetwork())
            {
                Thread.Sleep(5000);
            }

            // 2. Valid UTC time: TLS certificate checks and event timestamps need it.
            var utcClock = new SntpUtcClock();
            if (!utcClock.WaitForValidTime(NetworkTimeoutMilliseconds))
            {
                // Not fatal: the module collects and waits for the time before it sends.
                Debug.WriteLine("No valid UTC time yet; is UDP/123 reachable?");
            }

            // 3. Connection string, embedded as a resource (Resources.resx).
            string connectionString = Resources.GetString(Resources.StringResources.ConnectionString);
            IotHubConnectionString settings = IotHubConnectionString.Parse(connectionString);

            // 4. The module and its ports. The socket monitor is the listening-ports source and,
            // once the module exists, records flows into module.Ipv4Connections.
            s_sockets = new SocketMonitor();
            var options = new SecurityModuleOptions
            {
                MonotonicClock = new NativeMonotonicClock(),
                UtcClock = utcClock,
                Log = new DebugLogSink(),

                // The stable AgentId of every message is derived from the device id.
                DeviceId = settings.DeviceId,
            };
#if ASC_COLLECTOR_SYSTEM_INFORMATION_ENABLED
            options.SystemInformation = new NanoSystemInformation(ApplicationVersion);
#endif
#if ASC_COLLECTOR_LISTENING_PORTS_ENABLED
            options.ListeningPorts = s_sockets;
#endif

            // A module identity always uses the module's own session: nanoFramework.Azure.Devices'
            // DeviceClient signs a module's SAS token for {hub}/devices/{device}/{module}, where IoT
            // Hub wants {hub}/devices/{device}/modules/{module}, so it would not authenticate.
            if (UseModuleSession || settings.ModuleId != null)
            {
                StartWithModuleSession(options, connectionString);
            }
            else
            {
                // 5. Alternative: bring your own connection.
                StartWithDeviceClient(options, settings);
            }

            // The application's own traffic, recorded as network activity.
            new Thread(RunStatusServer).Start();
            while (true)
            {
                FetchPage("example.com", 80);
                Thread.Sleep(60000);
            }
        }

        private static void StartWithModuleSession(SecurityModuleOptions options, string connectionString)
        {
            // The module connects to IoT Hub itself (MQTT over TLS, port 8883 by default).
            // new SocketTlsChannel(null) would trust only the CA bundle of the device's config block.
            var channel = new SocketTlsChannel();
            options.ConnectionString = connectionString;
            options.Channel = channel;

            s_module = new SecurityModule(options);
#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
            s_sockets.Flows = s_module.Ipv4Connections;

            // Also count the hub connection itself as a flow.
            channel.Monitor = s_sockets;
#endif

            s_module.Start();
        }

        private static void StartWithDeviceClient(SecurityModuleOptions options, IotHubConnectionString settings)
        {
            var sink = new DeviceClientSecuritySink();
            options.MessageSink = sink;

            s_module = new SecurityModule(options);
            sink.Module = s_module;
#if ASC_COLLECTOR_NETWORK_ACTIVITY_ENABLED
            s_sockets.Flows = s_module.Ipv4Connections;
#endif
            s_module.Start();

            X509Certificate rootCertificates = IoTHubRootCertificates.Create();
            new Thread(() =>
            {
                while (true)
                {
                    if (s_client == null || !s_client.IsConnected)
                    {
                        // A new client for each attempt: DeviceClient.Open() on the same client builds a
                        // second MQTT client and token-renewal timer without closing the first, and
                        // Reconnect() skips the close after a failed Open.
                        s_module.SetLinkState(false);
                        Replace(sink, new DeviceClient(settings.HostName, settings.DeviceId, settings.SharedAccessKey, azureCert: rootCertificates));
                    }

                    Thread.Sleep(10000);
                }
            }).Start();
        }

        private static void Replace(DeviceClientSecuritySink sink, DeviceClient client)
        {
            DeviceClient old = s_client;
            if (old != null)
            {
                try
                {
                    old.Dispose();
                }
                catch (Exception ex)
                {
                    Debug.WriteLine("IoT Hub close failed: " + ex.Message);
                }
            }

            s_client = client;
            sink.Client = client;

            // The module sends only while the application's link is up.
            client.StatusUpdated += (sender, e) => s_module.SetLinkState(client.IsConnected);

            // The azureiotsecurity twin: desired patches as IoT Hub pushes them ($version included).
            client.TwinUpdated += (sender, e) => ApplyTwin(client, e.Twin.ToJson(), false);
            try
            {
                client.Open();
            }
            catch (Exception ex)
            {
                // DeviceClient.Open throws on DNS, socket and TLS failures.
                Debug.WriteLine("IoT Hub connect failed: " + ex.Message);
            }

            s_module.SetLinkState(client.IsConnected);
            if (client.IsConnected)
            {
                // The whole desired state after every (re)connect: patches are not pushed while offline.
                Twin twin = client.GetTwin(new CancellationTokenSource(10000).Token);
                if (twin != null)
                {
                    ApplyTwin(client, "{\"desired\":" + twin.Properties.Desired.ToJson() + "}", true);
                }
            }
        }

        // Applies a twin document and reports the configuration in force when it changed, or when
        // it was never reported (at start, or after a failed report).
        private static void ApplyTwin(DeviceClient client, string json, bool isFullTwin)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(json);
            if (s_module.ApplyTwin(utf8, 0, utf8.Length, isFullTwin) || !s_reported)
            {
                // The module's document as it is: a TwinCollection parsed from it would be
                // re-serialised by nanoFramework.Json, in another key order and number format.
                byte[] reported = s_module.GetReportedProperties();
                s_reported = client.UpdateReportedProperties(
                    new ReportedPropertiesDocument(Encoding.UTF8.GetString(reported, 0, reported.Length)),
                    new CancellationTokenSource(10000).Token);
            }
        }

        private static bool ConnectNetwork()
        {
            var cts = new CancellationTokenSource(NetworkTimeoutMilliseconds);
#if ESP32
            if (UseEthernet)
#endif
            {
                // Ethernet is configured in the device's config block (Device Explorer / nanoff).
                bool up = NetworkHelper.SetupAndConnectNetwork(cts.Token, requiresDateTime: true);
                if (!up)
                {
                    Debug.WriteLine("Ethernet not ready: " + (int)NetworkHelper.Status);
                }

                return up;
            }
#if ESP32

            string ssid = Resources.GetString(Resources.StringResources.WifiSsid);
            bool connected = ssid == null || ssid.Length == 0
                // No SSID embedded: use the Wi-Fi credentials stored in the config block.
                ? WifiNetworkHelper.Reconnect(requiresDateTime: true, token: cts.Token)
                : WifiNetworkHelper.ConnectDhcp(ssid, Resources.GetString(Resources.StringResources.WifiPassword), requiresDateTime: true, token: cts.Token);
            if (!connected)
            {
                Debug.WriteLine("Wi-Fi not ready: " + (int)WifiNetworkHelper.Status);
                if (WifiNetworkHelper.HelperException != null)
                {
                    Debug.WriteLine(WifiNetworkHelper.HelperException.Message);
                }
            }

            return connected;
#endif
        }

        // Outbound application traffic: a plain HTTP request through a MonitoredSocket.
        private static void FetchPage(string host, int port)
        {
            MonitoredSocket socket = null;
            try
            {
                IPAddress address = Dns.GetHostEntry(host).AddressList[0];
                socket = s_sockets.CreateTcp();
                socket.Connect(new IPEndPoint(address, port));
                socket.Send(Encoding.UTF8.GetBytes("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n"));
                var buffer = new byte[512];
                while (socket.Receive(buffer) > 0)
                {
                    // drain; the byte counts are what the module records
                }
            }
            catch (Exception ex)
            {
                Debug.WriteLine("HTTP request failed: " + ex.Message);
            }
            finally
            {
                if (socket != null)
                {
                    socket.Close();
                }
            }
        }

        // Inbound application traffic and a listening port: a minimal status page on TCP/80.
        private static void RunStatusServer()
        {
            MonitoredSocket listener = s_sockets.CreateTcp();
            listener.Bind(new IPEndPoint(IPAddress.Any, 80));
            listener.Listen(2);
            var request = new byte[256];
            while (true)
            {
                MonitoredSocket client = null;
                try
                {
                    client = listener.Accept();
                    client.Receive(request);
                    string state = s_module != null ? ((int)s_module.State).ToString() : "-";
                    client.Send(Encoding.UTF8.GetBytes("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nnanoSecurity state " + state + "\r\n"));
                }
                catch (Exception ex)
                {
                    Debug.WriteLine("status server: " + ex.Message);
                }
                finally
                {
                    if (client != null)
                    {
                        client.Close();
                    }
                }
            }
        }
    }
}
