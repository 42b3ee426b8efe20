#if ASC_COLLECTOR_SYSTEM_INFORMATION_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// Facts about the device for the SystemInformation event, read once per snapshot.
    /// </summary>
    public interface ISystemInformationSource
    {
        /// <summary>Fills <paramref name="information"/> with current values.</summary>
        /// <param name="information">The module's own instance; fields left null are not reported.</param>
        void Read(SystemInformation information);
    }
}
#endif
