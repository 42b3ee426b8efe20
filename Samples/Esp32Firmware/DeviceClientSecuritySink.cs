using System;
using System.Collections;
using System.Text;
using System.Threading;
using nanoFramework.Azure.Devices.Client;
using nanoFramework.M2Mqtt.Messages;
using NanoSecurity;

namespace Esp32Firmware
{
    /// <summary>
    /// Bring your own connection: the security module hands each finished message to this sink,
    /// which sends it through the application's nanoFramework.Azure.Devices DeviceClient as a
    /// Defender for IoT security message.
    /// </summary>
    /// <remarks>
    /// <para>
    /// DeviceClient.SendMessage(message, contentType, userProperties, token) appends
    /// <c>$.ct=application%2Fjson&amp;$.ce=utf-8</c> for the content type (the encoding is always
    /// utf-8) and then each user property as <c>UrlEncode(name)=UrlEncode(value)</c>. The interface
    /// id therefore goes out as <c>%24.ifid=urn%3Aazureiot%3ASecurity%3ASecurityAgent%3A1</c>,
    /// byte for byte what the Eclipse ThreadX security module sends
    /// (nanoframework/nanoFramework.Azure.Devices nanoFramework.Azure.Devices.Client/DeviceClient.cs,
    /// EncodeContentType and EncodeUserProperties).
    /// </para>
    /// <para>
    /// The module calls <see cref="TryAccept"/> on its timer thread. With a cancellable token
    /// SendMessage waits for the hub's PUBACK (QoS 1, the SAS constructors' default), here at most
    /// <see cref="ConfirmTimeoutMilliseconds"/>; with the default token it would not wait and
    /// would always report failure.
    /// </para>
    /// </remarks>
    internal sealed class DeviceClientSecuritySink : ISecurityMessageSink
    {
        private const int ConfirmTimeoutMilliseconds = 10000;

        private readonly ArrayList _userProperties = new ArrayList();
        private DeviceClient _client;

        internal DeviceClientSecuritySink()
        {
            _userProperties.Add(new UserProperty("$.ifid", SecurityMessageProperties.InterfaceId));
        }

        /// <summary>Set once the module exists: delivery results go to its MessageStatistics.</summary>
        internal SecurityModule Module { get; set; }

        /// <summary>The application's current client; replaced at each reconnection attempt.</summary>
        internal DeviceClient Client
        {
            get { return _client; }
            set { _client = value; }
        }

        public bool TryAccept(byte[] body, int length)
        {
            // One read: the connection thread may replace the client meanwhile.
            DeviceClient client = _client;
            if (client == null || !client.IsConnected)
            {
                // Refused: the module counts the message's events as dropped.
                return false;
            }

            // The buffer is reused after this call; the string is the copy.
            string json = Encoding.UTF8.GetString(body, 0, length);
            bool confirmed;
            try
            {
                var timeout = new CancellationTokenSource(ConfirmTimeoutMilliseconds);
                confirmed = client.SendMessage(json, SecurityMessageProperties.ContentType, _userProperties, timeout.Token);
            }
            catch (Exception)
            {
                Report(false, length);
                return false;
            }

            // Published: accepted, whether or not the PUBACK came in time.
            Report(confirmed, length);
            return true;
        }

        private void Report(bool delivered, int length)
        {
            SecurityModule module = Module;
            if (module == null)
            {
                return;
            }

            if (delivered)
            {
                module.ReportMessageSent(length);
            }
            else
            {
                module.ReportMessageFailed();
            }
        }
    }
}
