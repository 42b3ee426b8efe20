using System;

namespace NanoSecurity.Targets.NanoFramework
{
    /// <summary>
    /// Milliseconds since boot from <c>System.Environment.TickCount64</c>, which the
    /// nanoFramework.Runtime.Native package adds (nanoframework/nanoFramework.Runtime.Native
    /// nanoFramework.Runtime.Native/System/Environment.cs). The firmware computes it from the CLR's
    /// uptime, not from the wall clock (nanoframework/nf-interpreter
    /// src/nanoFramework.Runtime.Native/nf_rt_native_System_Environment.cpp), so SNTP corrections
    /// do not move it.
    /// </summary>
    public sealed class NativeMonotonicClock : IMonotonicClock
    {
        /// <inheritdoc/>
        public long ElapsedMilliseconds => Environment.TickCount64;
    }
}
