using System;

namespace NanoSecurity
{
    /// <summary>
    /// The document is not one <see cref="JsonReader"/> accepts: malformed, too deep, too large,
    /// or holding a string that is not valid text; or <see cref="JsonReader.GetString"/> was asked
    /// for a text longer than the reader keeps. The only exception a document can cause.
    /// </summary>
    internal sealed class JsonReaderException : Exception
    {
        private readonly int _byteOffset;

        /// <summary>Creates the exception.</summary>
        /// <param name="message">What is wrong, including where.</param>
        /// <param name="byteOffset">Where, counted from the first byte of the document.</param>
        internal JsonReaderException(string message, int byteOffset)
            : base(message)
        {
            _byteOffset = byteOffset;
        }

        /// <summary>
        /// Offset of the offending byte from the start of the document; for a document over the
        /// size limit, the limit.
        /// </summary>
        internal int ByteOffset
        {
            get { return _byteOffset; }
        }
    }
}
