namespace NanoSecurity
{
    /// <summary>
    /// Copies a payload straight into the packet <see cref="MqttClient.PublishFrom"/> builds, so
    /// that the message need not be copied into a buffer of the caller's first.
    /// </summary>
    internal interface IMqttPayloadSource
    {
        /// <summary>Copies the payload. Called on the publishing thread, under the client's write lock.</summary>
        /// <param name="destination">The client's packet buffer.</param>
        /// <param name="offset">Where the payload goes.</param>
        /// <param name="capacity">Bytes available from <paramref name="offset"/>.</param>
        /// <returns>Bytes copied; 0 for nothing to send.</returns>
        int CopyPayload(byte[] destination, int offset, int capacity);
    }
}
