using System;

namespace NanoSecurity.DeviceTests
{
    /// <summary>MQTT 3.1.1 packets byte for byte (expected bytes built from the specification), and the reader.</summary>
    internal static class MqttChecks
    {
        private const int MaxPacket = 4096;

        internal static void Run(Check check)
        {
            var buffer = new byte[256];
            int length = MqttPacketWriter.WriteConnect(buffer, "dev-01", "hub.azure-devices.net/dev-01/?api-version=2021-04-12", "pw", 60);
            check.Bytes("connect", "104c00044d51545404c2003c00066465762d303100346875622e617a7572652d646576696365732e6e65742f6465762d30312f3f6170692d76657273696f6e3d323032312d30342d313200027077", buffer, 0, length);

            byte[] payload = CryptoChecks.Ascii("{}");
            length = MqttPacketWriter.WritePublish(buffer, "devices/dev-01/messages/events/", payload, 0, payload.Length, 1, 7, false);
            check.Bytes("publish-qos1", "3225001f646576696365732f6465762d30312f6d657373616765732f6576656e74732f00077b7d", buffer, 0, length);
            length = MqttPacketWriter.WritePublish(buffer, "devices/dev-01/messages/events/", payload, 0, payload.Length, 1, 7, true);
            check.Bytes("publish-qos1-dup", "3a25001f646576696365732f6465762d30312f6d657373616765732f6576656e74732f00077b7d", buffer, 0, length);

            // A topic outside the BMP, encoded once and put in front of a payload already in place.
            byte[] topicName = MqttPacketWriter.EncodeTopicName("t/\uD83D\uDE00/\u00e9");
            int payloadOffset = MqttPacketWriter.PublishPayloadOffset(topicName, buffer.Length);
            Array.Copy(payload, 0, buffer, payloadOffset, payload.Length);
            int start = MqttPacketWriter.WritePublishHeader(buffer, payloadOffset, payload.Length, topicName, 7);
            check.Bytes("publish-header-in-place-non-bmp-topic", "320f0009742ff09f98802fc3a900077b7d", buffer, start, payloadOffset + payload.Length - start);

            length = MqttPacketWriter.WriteSubscribe(buffer, 1, "$iothub/twin/res/#", 0);
            check.Bytes("subscribe", "82170001001224696f746875622f7477696e2f7265732f2300", buffer, 0, length);
            length = MqttPacketWriter.WritePubAck(buffer, 7);
            check.Bytes("puback", "40020007", buffer, 0, length);
            length = MqttPacketWriter.WritePingReq(buffer);
            check.Bytes("pingreq", "c000", buffer, 0, length);
            length = MqttPacketWriter.WriteDisconnect(buffer);
            check.Bytes("disconnect", "e000", buffer, 0, length);

            RemainingLength(check, 0, "00");
            RemainingLength(check, 127, "7f");
            RemainingLength(check, 128, "8001");
            RemainingLength(check, 16383, "ff7f");
            RemainingLength(check, 16384, "808001");
            RemainingLength(check, 268435455, "ffffff7f");

            var packet = new MqttPacket();
            byte[] connAck = Check.FromHex("20020000");
            MqttPacketReader.Decode(connAck, 0, connAck.Length, MaxPacket, packet);
            check.True("read-connack", (int)packet.Type == (int)MqttPacketType.ConnAck && packet.ReturnCode == 0 && !packet.SessionPresent, "type " + ((int)packet.Type).ToString() + " code " + packet.ReturnCode.ToString());

            byte[] subAck = Check.FromHex("9003000100");
            MqttPacketReader.Decode(subAck, 0, subAck.Length, MaxPacket, packet);
            check.True("read-suback", (int)packet.Type == (int)MqttPacketType.SubAck && packet.PacketId == 1 && packet.ReturnCode == 0, "type " + ((int)packet.Type).ToString() + " id " + packet.PacketId.ToString());

            byte[] pubAck = Check.FromHex("40020007");
            MqttPacketReader.Decode(pubAck, 0, pubAck.Length, MaxPacket, packet);
            check.True("read-puback", (int)packet.Type == (int)MqttPacketType.PubAck && packet.PacketId == 7, "id " + packet.PacketId.ToString());

            byte[] incoming = Check.FromHex("302c001c24696f746875622f7477696e2f7265732f3230302f3f247269643d317b2264657369726564223a7b7d7d");
            check.Equal("packet-length", incoming.Length, MqttPacketReader.GetPacketLength(incoming, 0, incoming.Length, MaxPacket));
            check.Equal("packet-length-incomplete-header", 0, MqttPacketReader.GetPacketLength(Check.FromHex("30"), 0, 1, MaxPacket));
            MqttPacketReader.Decode(incoming, 0, incoming.Length, MaxPacket, packet);
            check.True("read-publish", (int)packet.Type == (int)MqttPacketType.Publish && packet.Qos == 0 && packet.TopicLength == 28 && packet.PayloadCount == 14,
                "qos " + packet.Qos.ToString() + " topic " + packet.TopicLength.ToString() + " payload " + packet.PayloadCount.ToString());
            check.Ascii("read-publish-payload", "{\"desired\":{}}", incoming, packet.PayloadOffset, packet.PayloadCount);

            Refused(check, "refuses-truncated-publish", "302c001c24696f7468");
            Refused(check, "refuses-five-byte-length", "30ffffffff01");
            Refused(check, "refuses-connack-bad-length", "200300000000");
        }

        private static void RemainingLength(Check check, int value, string expectedHex)
        {
            var buffer = new byte[4];
            int end = MqttPacketWriter.WriteRemainingLength(value, buffer, 0);
            check.Bytes("remaining-length-" + value.ToString(), expectedHex, buffer, 0, end);
            int read;
            MqttPacketReader.ReadRemainingLength(buffer, 0, end, out read);
            check.Equal("remaining-length-read-" + value.ToString(), value, read);
        }

        private static void Refused(Check check, string name, string hex)
        {
            byte[] bytes = Check.FromHex(hex);
            try
            {
                MqttPacketReader.Decode(bytes, 0, bytes.Length, MaxPacket, new MqttPacket());
                check.Fail(name, "accepted");
            }
            catch (MqttProtocolException)
            {
                check.Pass(name);
            }
        }
    }
}
