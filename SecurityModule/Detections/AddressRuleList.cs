#if ASC_DETECTIONS_ENABLED
namespace NanoSecurity
{
    /// <summary>
    /// A fixed-capacity list of CIDR ranges, matched against a flow's remote address when the
    /// flow is first recorded: O(ranges of the address's family), by masked 32-bit words,
    /// allocating nothing. Each family is packed apart (IPv4 one word a range, IPv6 four), so an
    /// IPv4 flow never looks at an IPv6 range; the list keeps the order ranges were added in.
    /// </summary>
    internal sealed class AddressRuleList
    {
        private const int Words = 4;

        private readonly string[] _texts;
        private readonly uint[] _v4Networks;
        private readonly uint[] _v4Masks;
        private readonly int[] _v4Indexes;
        private readonly uint[] _v6Networks;
        private readonly uint[] _v6Masks;
        private readonly int[] _v6Indexes;
        private int _count;
        private int _v4Count;
        private int _v6Count;

        internal AddressRuleList(int capacity)
        {
            _texts = new string[capacity];
            _v4Networks = new uint[capacity];
            _v4Masks = new uint[capacity];
            _v4Indexes = new int[capacity];
            _v6Networks = new uint[capacity * Words];
            _v6Masks = new uint[capacity * Words];
            _v6Indexes = new int[capacity];
        }

        /// <summary>Ranges the list can hold.</summary>
        internal int Capacity => _texts.Length;

        /// <summary>Ranges in the list.</summary>
        internal int Count => _count;

        /// <summary>Canonical text of range <paramref name="index"/>, in the order they were added.</summary>
        internal string TextOf(int index) => _texts[index];

        internal void Clear()
        {
            for (int i = 0; i < _count; i++)
            {
                _texts[i] = null;
            }

            _count = 0;
            _v4Count = 0;
            _v6Count = 0;
        }

        /// <summary>Appends a range (copied); false when the list is full.</summary>
        internal bool Add(CidrRange range)
        {
            if (_count == _texts.Length)
            {
                return false;
            }

            if (range.IsIpv6)
            {
                int w = _v6Count * Words;
                for (int k = 0; k < Words; k++)
                {
                    _v6Networks[w + k] = CidrRange.ReadWord(range.Address, 4 * k);
                    _v6Masks[w + k] = CidrRange.MaskOf(range.PrefixLength, k);
                }

                _v6Indexes[_v6Count++] = _count;
            }
            else
            {
                _v4Networks[_v4Count] = CidrRange.ReadWord(range.Address, 0);
                _v4Masks[_v4Count] = CidrRange.MaskOf(range.PrefixLength, 0);
                _v4Indexes[_v4Count++] = _count;
            }

            _texts[_count++] = range.Text;
            return true;
        }

        /// <summary>Makes this list a copy of <paramref name="other"/>, which has the same capacity.</summary>
        internal void CopyFrom(AddressRuleList other)
        {
            Clear();
            System.Array.Copy(other._texts, _texts, other._count);
            System.Array.Copy(other._v4Networks, _v4Networks, other._v4Count);
            System.Array.Copy(other._v4Masks, _v4Masks, other._v4Count);
            System.Array.Copy(other._v4Indexes, _v4Indexes, other._v4Count);
            System.Array.Copy(other._v6Networks, _v6Networks, other._v6Count * Words);
            System.Array.Copy(other._v6Masks, _v6Masks, other._v6Count * Words);
            System.Array.Copy(other._v6Indexes, _v6Indexes, other._v6Count);
            _count = other._count;
            _v4Count = other._v4Count;
            _v6Count = other._v6Count;
        }

        /// <summary>Whether both hold the same ranges in the same order.</summary>
        internal bool SameAs(AddressRuleList other)
        {
            if (other._count != _count)
            {
                return false;
            }

            for (int i = 0; i < _count; i++)
            {
                if (_texts[i] != other._texts[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Index of the first IPv4 range holding <paramref name="address"/>; -1 for none.</summary>
        internal int MatchIpv4(uint address)
        {
            uint[] networks = _v4Networks;
            uint[] masks = _v4Masks;
            for (int i = 0; i < _v4Count; i++)
            {
                if ((address & masks[i]) == networks[i])
                {
                    return _v4Indexes[i];
                }
            }

            return -1;
        }

        /// <summary>Index of the first IPv6 range holding the address given as four words; -1 for none.</summary>
        internal int MatchIpv6(uint w0, uint w1, uint w2, uint w3)
        {
            uint[] networks = _v6Networks;
            uint[] masks = _v6Masks;
            for (int i = 0; i < _v6Count; i++)
            {
                int w = i * Words;
                if ((w0 & masks[w]) == networks[w]
                    && (w1 & masks[w + 1]) == networks[w + 1]
                    && (w2 & masks[w + 2]) == networks[w + 2]
                    && (w3 & masks[w + 3]) == networks[w + 3])
                {
                    return _v6Indexes[i];
                }
            }

            return -1;
        }
    }
}
#endif
