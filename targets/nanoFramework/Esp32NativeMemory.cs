#if ESP32
using nanoFramework.Hardware.Esp32;

namespace NanoSecurity.Targets.NanoFramework
{
    /// <summary>
    /// ESP32 only (compiled with the ESP32 symbol, which references nanoFramework.Hardware.Esp32):
    /// the native heap, internal RAM plus PSRAM, from NativeMemory.GetMemoryInfo
    /// (nanoframework/nanoFramework.Hardware.Esp32 nanoFramework.Hardware.Esp32/NativeMemory.cs).
    /// </summary>
    internal static class Esp32NativeMemory
    {
        internal static void Read(out long totalBytes, out long freeBytes)
        {
            uint total;
            uint free;
            uint largestBlock;
            NativeMemory.GetMemoryInfo(NativeMemory.MemoryType.All, out total, out free, out largestBlock);
            totalBytes = total;
            freeBytes = free;
        }
    }
}
#endif
