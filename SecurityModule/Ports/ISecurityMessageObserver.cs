namespace NanoSecurity
{
    /// <summary>
    /// Optional: sees every security message the module writes, whichever way it then leaves
    /// (the module's own IoT Hub session or the application's <see cref="ISecurityMessageSink"/>).
    /// For diagnostics and local views (the host emulator prints and validates each one); it
    /// cannot refuse or change a message.
    /// </summary>
    /// <remarks>
    /// Called on the module's collection thread while a collection is in progress, just before
    /// the message is handed on: return quickly. The buffer is reused for the next message as
    /// soon as this returns, so copy what you keep. An exception thrown here is ignored.
    /// </remarks>
    public interface ISecurityMessageObserver
    {
        /// <summary>Sees one finished message.</summary>
        /// <param name="body">Buffer holding the message (UTF-8 JSON).</param>
        /// <param name="length">Bytes of the message, from index 0.</param>
        void OnMessage(byte[] body, int length);
    }
}
