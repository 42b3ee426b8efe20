using System.Collections;
using nanoFramework.Azure.Devices.Shared;

namespace Esp32Firmware
{
    /// <summary>
    /// The module's reported-properties document for <c>DeviceClient.UpdateReportedProperties</c>,
    /// sent as it is.
    /// </summary>
    /// <remarks>
    /// UpdateReportedProperties publishes <c>reported.ToJson()</c>, which is <c>ToString()</c>. A
    /// TwinCollection built from the text would parse it into a Hashtable and nanoFramework.Json
    /// would write it again, in the Hashtable's key order and its own number format; this one
    /// returns the module's text unchanged (nanoframework/nanoFramework.Azure.Devices
    /// nanoFramework.Azure.Devices.Client/TwinCollection.cs and DeviceClient.cs, v1.2.111).
    /// </remarks>
    internal sealed class ReportedPropertiesDocument : TwinCollection
    {
        private readonly string _json;

        internal ReportedPropertiesDocument(string json)
            : base((Hashtable)null)
        {
            _json = json;
        }

        /// <summary>The module's document, byte for byte once encoded as UTF-8 again.</summary>
        public override string ToString()
        {
            return _json;
        }
    }
}
