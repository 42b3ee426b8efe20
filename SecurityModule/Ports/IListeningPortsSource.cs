#if ASC_COLLECTOR_LISTENING_PORTS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Lists the sockets that listen on the device, for the ListeningPorts snapshot.
    /// </summary>
    public interface IListeningPortsSource
    {
        /// <summary>Adds every listening socket to <paramref name="ports"/>.</summary>
        /// <param name="ports">The module's own list, cleared before the call.</param>
        void Read(ListeningPortList ports);
    }
}
#endif
