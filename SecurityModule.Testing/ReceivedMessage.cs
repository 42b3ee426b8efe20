namespace NanoSecurity.Testing
{
    /// <summary>A message an <see cref="MqttTestSubscriber"/> received.</summary>
    /// <param name="Topic">The topic it was published to.</param>
    /// <param name="Payload">The payload bytes (a copy).</param>
    /// <param name="QualityOfService">The QoS it was delivered with.</param>
    /// <param name="Retain">Whether it was a retained message.</param>
    public sealed record ReceivedMessage(string Topic, byte[] Payload, int QualityOfService, bool Retain)
    {
        /// <summary>The payload as UTF-8 text.</summary>
        public string PayloadText => System.Text.Encoding.UTF8.GetString(Payload);

        /// <inheritdoc />
        public override string ToString() => $"{Topic} ({Payload.Length} bytes, QoS {QualityOfService})";
    }
}
