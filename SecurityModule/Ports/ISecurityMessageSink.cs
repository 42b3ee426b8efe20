namespace NanoSecurity
{
    /// <summary>
    /// Where finished security messages go: the outbound queue of the IoT Hub transport, or
    /// an application that already holds an IoT Hub connection and sends them itself. The
    /// body is JSON (UTF-8); send it as a security message: content type application/json,
    /// content encoding utf-8 and interface id urn:azureiot:Security:SecurityAgent:1.
    /// </summary>
    public interface ISecurityMessageSink
    {
        /// <summary>
        /// Takes one message. The buffer is reused for the next message as soon as this
        /// returns: copy what you keep.
        /// </summary>
        /// <param name="body">Buffer holding the message.</param>
        /// <param name="length">Bytes of the message, from index 0.</param>
        /// <returns>True when the message was accepted; false counts its events as dropped.</returns>
        bool TryAccept(byte[] body, int length);
    }
}
