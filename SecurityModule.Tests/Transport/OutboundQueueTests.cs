using CsCheck;
using Xunit;

namespace NanoSecurity.Tests.Transport
{
    public class OutboundQueueTests
    {
        private readonly EventStatistics _events = new EventStatistics();
        private readonly MessageStatistics _messages = new MessageStatistics();

        [Fact]
        public void MessagesComeOutOldestFirstAndStayUntilRemoved()
        {
            var queue = new OutboundQueue(4096, _events, _messages);
            int[] lengths = { 1, 300, 4, 1000, 77 };
            for (int i = 0; i < lengths.Length; i++)
            {
                Assert.True(queue.TryAccept(Message(i, lengths[i]), lengths[i], i, 1));
            }

            Assert.Equal(lengths.Length, queue.Count);
            Assert.Equal(lengths.Sum(), queue.UsedBytes);
            Assert.Equal(4096, queue.Capacity);

            var buffer = new byte[4096];
            uint? previous = null;
            for (int i = 0; i < lengths.Length; i++)
            {
                // Copying twice gives the same message: it leaves only on RemoveIfOldest.
                Assert.Equal(lengths[i], queue.CopyOldest(buffer, out uint sequence));
                Assert.Equal(lengths[i], queue.CopyOldest(buffer, out uint again));
                Assert.Equal(sequence, again);
                AssertMessage(i, lengths[i], buffer);
                Assert.True(previous == null || sequence == previous + 1);
                previous = sequence;
                Assert.True(queue.RemoveIfOldest(sequence));
                Assert.False(queue.RemoveIfOldest(sequence));
            }

            Assert.Equal(0, queue.Count);
            Assert.Equal(0, queue.UsedBytes);
            AssertNothingDropped();
        }

        [Fact]
        public void AnEmptyQueueHasNothingToCopyOrRemove()
        {
            var queue = new OutboundQueue(256, _events, _messages);
            Assert.Equal(0, queue.CopyOldest(new byte[256], out uint sequence));
            Assert.Equal(0u, sequence);
            Assert.False(queue.RemoveIfOldest(0));
            Assert.False(queue.RemoveIfOldest(1));
        }

        [Fact]
        public void AMessageThatDoesNotFitAtTheEndWrapsToTheStartInOnePiece()
        {
            var queue = new OutboundQueue(1000, _events, _messages);
            var buffer = new byte[1000];
            Accept(queue, 0, 400);
            Accept(queue, 1, 400);
            Assert.Equal(400, queue.CopyOldest(buffer, out uint first));
            Assert.True(queue.RemoveIfOldest(first));

            // 200 bytes left at the end, 400 free at the start: message 2 goes to offset 0.
            Accept(queue, 2, 300);
            Assert.Equal(700, queue.UsedBytes);
            AssertNothingDropped();

            Assert.Equal(400, queue.CopyOldest(buffer, out uint second));
            AssertMessage(1, 400, buffer);
            Assert.True(queue.RemoveIfOldest(second));
            Assert.Equal(300, queue.CopyOldest(buffer, out uint third));
            AssertMessage(2, 300, buffer);
            Assert.Equal(second + 1, third);
        }

        [Fact]
        public void WhenFullTheOldestMessagesAreDroppedAndCounted()
        {
            var queue = new OutboundQueue(1024, _events, _messages);
            Accept(queue, 0, 300, high: 5, low: 2);
            Accept(queue, 1, 300, high: 7, low: 3);
            Accept(queue, 2, 300, high: 11, low: 0);
            AssertNothingDropped();

            // 124 bytes at the end: message 0 (offsets 0..299) makes room at the start.
            Accept(queue, 3, 300, high: 1, low: 1);
            AssertDropped(high: 5, low: 2, messages: 1);

            // Wrapped and full up to message 1: it goes, and message 4 takes its place.
            Accept(queue, 4, 300, high: 1, low: 1);
            AssertDropped(high: 7, low: 3, messages: 1);

            Assert.Equal(3, queue.Count);
            Assert.Equal(900, queue.UsedBytes);
            AssertDrainsInOrder(queue, 2, 3, 4);
        }

        [Fact]
        public void ALargeMessageDropsAsManyAsItNeeds()
        {
            var queue = new OutboundQueue(1024, _events, _messages);
            for (int i = 0; i < 5; i++)
            {
                Accept(queue, i, 200, high: 1, low: 10);
            }

            Accept(queue, 5, 700, high: 0, low: 1);
            AssertDropped(high: 4, low: 40, messages: 4);
            AssertDrainsInOrder(queue, 4, 5);
        }

        [Fact]
        public void RunningOutOfRecordsDropsTheOldestToo()
        {
            // One record per MinimumMessageSize bytes: 2 records for 256 bytes.
            var queue = new OutboundQueue(2 * OutboundQueue.MinimumMessageSize, _events, _messages);
            Accept(queue, 0, 10, high: 1, low: 0);
            Accept(queue, 1, 10, high: 0, low: 1);
            Accept(queue, 2, 10, high: 0, low: 0);

            AssertDropped(high: 1, low: 0, messages: 1);
            Assert.Equal(20, queue.UsedBytes);
            AssertDrainsInOrder(queue, 1, 2);
        }

        [Fact]
        public void AMessageWithoutEventCountsIsDroppedAsAFailedMessageOnly()
        {
            var queue = new OutboundQueue(256, _events, _messages);
            Assert.True(queue.TryAccept(Message(0, 200), 200));
            Assert.True(queue.TryAccept(Message(1, 200), 200));

            AssertDropped(high: 0, low: 0, messages: 1);
            AssertDrainsInOrder(queue, 1);
        }

        [Fact]
        public void AMessageLargerThanTheCacheIsRefusedAndDropsNothing()
        {
            var queue = new OutboundQueue(500, _events, _messages);
            Accept(queue, 0, 100, high: 3, low: 3);

            Assert.False(queue.TryAccept(Message(1, 501), 501, 1, 1));
            Assert.Equal(1, queue.Count);
            AssertNothingDropped();

            // Exactly the capacity fits, once everything else is gone.
            Accept(queue, 2, 500, high: 0, low: 0);
            AssertDropped(high: 3, low: 3, messages: 1);
            AssertDrainsInOrder(queue, 2);
        }

        [Fact]
        public void RemovingAMessageThatWasDroppedMeanwhileDoesNothing()
        {
            var queue = new OutboundQueue(600, _events, _messages);
            var buffer = new byte[600];
            Accept(queue, 0, 300);
            Accept(queue, 1, 300);
            Assert.Equal(300, queue.CopyOldest(buffer, out uint inFlight));

            Accept(queue, 2, 300);
            Assert.False(queue.RemoveIfOldest(inFlight));
            Assert.Equal(2, queue.Count);
            Assert.Equal(300, queue.CopyOldest(buffer, out uint oldest));
            AssertMessage(1, 300, buffer);
            Assert.Equal(inFlight + 1, oldest);
        }

        [Fact]
        public void BadArgumentsAreRefused()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new OutboundQueue(0, _events, _messages));
            Assert.Throws<ArgumentNullException>(() => new OutboundQueue(100, null, _messages));
            Assert.Throws<ArgumentNullException>(() => new OutboundQueue(100, _events, null));

            var queue = new OutboundQueue(100, _events, _messages);
            Assert.Throws<ArgumentNullException>(() => queue.TryAccept(null, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => queue.TryAccept(new byte[10], 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => queue.TryAccept(new byte[10], 11));
            Assert.Throws<ArgumentOutOfRangeException>(() => queue.TryAccept(new byte[10], 5, -1, 0));
            Assert.Throws<ArgumentNullException>(() => queue.CopyOldest(null, out _));

            Accept(queue, 0, 50);
            Assert.Throws<ArgumentException>(() => queue.CopyOldest(new byte[49], out _));
        }

        [Fact]
        public void RandomOperationsMatchAFifoModel()
        {
            // Capacity, then per operation: accept (length) or remove the oldest.
            Gen.Select(Gen.Int[1, 1500], Gen.Int[-400, 1600].Array[0, 200]).Sample((capacity, operations) =>
            {
                var events = new EventStatistics();
                var messages = new MessageStatistics();
                var queue = new OutboundQueue(capacity, events, messages);
                var model = new Queue<(int Index, int Length)>();
                var buffer = new byte[capacity];
                var body = new byte[1600];
                int index = 0;
                foreach (int operation in operations)
                {
                    if (operation <= 0)
                    {
                        int length = queue.CopyOldest(buffer, out uint sequence);
                        if (model.Count == 0)
                        {
                            Assert.Equal(0, length);
                            continue;
                        }

                        var expected = model.Dequeue();
                        Assert.Equal(expected.Length, length);
                        AssertMessage(expected.Index, length, buffer);
                        Assert.True(queue.RemoveIfOldest(sequence));
                    }
                    else
                    {
                        // The producer reuses one buffer, as the message writer does.
                        Fill(body, index, operation);
                        bool accepted = queue.TryAccept(body, operation, index, 1);
                        Assert.Equal(operation <= capacity, accepted);
                        if (accepted)
                        {
                            model.Enqueue((index, operation));
                        }

                        // What left the model's front is what the queue dropped, counted exactly.
                        int expectedHigh = 0;
                        int expectedDropped = 0;
                        while (model.Count > queue.Count)
                        {
                            expectedHigh += model.Dequeue().Index;
                            expectedDropped++;
                        }

                        events.Take(EventQueue.High, out _, out int high);
                        events.Take(EventQueue.Low, out _, out int low);
                        messages.Take(out _, out _, out int failed);
                        Assert.Equal((expectedHigh, expectedDropped, expectedDropped), (high, low, failed));
                        index++;
                    }

                    Assert.Equal(model.Count, queue.Count);
                    Assert.Equal(model.Sum(m => m.Length), queue.UsedBytes);
                    Assert.True(queue.UsedBytes <= capacity);
                }

                while (model.Count > 0)
                {
                    var expected = model.Dequeue();
                    Assert.Equal(expected.Length, queue.CopyOldest(buffer, out uint sequence));
                    AssertMessage(expected.Index, expected.Length, buffer);
                    Assert.True(queue.RemoveIfOldest(sequence));
                }
            });
        }

        [Fact]
        public void ProducerAndConsumerThreadsLoseNothingUncounted()
        {
            const int Messages = 20_000;
            const int Capacity = 2048;
            var queue = new OutboundQueue(Capacity, _events, _messages);
            long producedHigh = 0;
            long producedLow = 0;
            long consumedHigh = 0;
            long consumedLow = 0;
            int consumed = 0;
            int producerDone = 0;
            string failure = null;

            // The consumer pauses while the producer sends 2,000 messages, so drops happen for sure.
            using var pauseConsumer = new ManualResetEventSlim(false);
            using var resumeConsumer = new ManualResetEventSlim(false);

            var producer = new Thread(() => Guard(ref failure, () =>
            {
                var body = new byte[300];
                for (int i = 0; i < Messages; i++)
                {
                    if (i == 5_000)
                    {
                        pauseConsumer.Set();
                    }
                    else if (i == 7_000)
                    {
                        resumeConsumer.Set();
                    }

                    int length = LengthOf(i);
                    Fill(body, i, length);
                    int high = i % 5;
                    int low = i % 3;
                    if (!queue.TryAccept(body, length, high, low))
                    {
                        failure = "refused " + i;
                    }

                    producedHigh += high;
                    producedLow += low;
                    if ((i & 63) == 0)
                    {
                        Thread.Yield();
                    }
                }
            }, () =>
            {
                // Also on failure, so that the consumer does not wait for ever.
                resumeConsumer.Set();
                Volatile.Write(ref producerDone, 1);
            }));

            var consumer = new Thread(() => Guard(ref failure, () =>
            {
                var buffer = new byte[Capacity];
                int lastIndex = -1;
                var random = new Random(7);
                while (true)
                {
                    if (pauseConsumer.IsSet && !resumeConsumer.IsSet)
                    {
                        resumeConsumer.Wait();
                    }

                    bool done = Volatile.Read(ref producerDone) == 1;
                    int length = queue.CopyOldest(buffer, out uint sequence);
                    if (length == 0)
                    {
                        if (done)
                        {
                            break;
                        }

                        Thread.Yield();
                        continue;
                    }

                    int index = BitConverter.ToInt32(buffer, 0);
                    if (index <= lastIndex || length != LengthOf(index) || !HasPattern(index, length, buffer))
                    {
                        failure ??= $"message {index} (after {lastIndex}) torn or out of order";
                        break;
                    }

                    // Publishing and waiting for the PUBACK take a while.
                    Thread.SpinWait(random.Next(0, 400));
                    if (queue.RemoveIfOldest(sequence))
                    {
                        lastIndex = index;
                        consumed++;
                        consumedHigh += index % 5;
                        consumedLow += index % 3;
                    }
                }
            }, () => { }));

            producer.Start();
            consumer.Start();
            Assert.True(producer.Join(TimeSpan.FromMinutes(2)));
            Assert.True(consumer.Join(TimeSpan.FromMinutes(2)));

            Assert.Null(failure);
            _events.Take(EventQueue.High, out _, out int droppedHigh);
            _events.Take(EventQueue.Low, out _, out int droppedLow);
            _messages.Take(out _, out _, out int failed);
            Assert.True(consumed > 0);
            Assert.True(failed > 0);
            Assert.Equal(Messages, consumed + failed);
            Assert.Equal(producedHigh, consumedHigh + droppedHigh);
            Assert.Equal(producedLow, consumedLow + droppedLow);
            Assert.Equal(0, queue.Count);
        }

        [Fact]
        public void AcceptCopyAndRemoveAllocateNothing()
        {
            var queue = new OutboundQueue(4096, _events, _messages);
            var body = new byte[1000];
            var buffer = new byte[4096];
            Run(queue, body, buffer, 100);

            long before = GC.GetAllocatedBytesForCurrentThread();
            int copied = Run(queue, body, buffer, 10_000);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(0, allocated);
            Assert.True(copied > 0);
            _messages.Take(out _, out _, out int failed);
            Assert.True(failed > 0);
        }

        /// <summary>Runs a thread's body, keeping its exception as the test's failure instead of crashing the test host.</summary>
        private static void Guard(ref string failure, Action body, Action always)
        {
            try
            {
                body();
            }
            catch (Exception e)
            {
                failure ??= e.ToString();
            }
            finally
            {
                always();
            }
        }

        /// <summary>Accepts messages faster than it removes them, so the drop path runs too.</summary>
        private static int Run(OutboundQueue queue, byte[] body, byte[] buffer, int rounds)
        {
            int copied = 0;
            for (int i = 0; i < rounds; i++)
            {
                queue.TryAccept(body, 1 + (i * 37) % body.Length, 1, 1);
                if (i % 3 == 0 && queue.CopyOldest(buffer, out uint sequence) > 0)
                {
                    copied++;
                    queue.RemoveIfOldest(sequence);
                    queue.RemoveIfOldest(sequence);
                }
            }

            return copied;
        }

        private static int LengthOf(int index)
        {
            return 4 + (index * 7919) % 297;
        }

        private void Accept(OutboundQueue queue, int index, int length, int high = 0, int low = 0)
        {
            Assert.True(queue.TryAccept(Message(index, length), length, high, low));
        }

        private void AssertDrainsInOrder(OutboundQueue queue, params int[] indexes)
        {
            var buffer = new byte[queue.Capacity];
            foreach (int index in indexes)
            {
                int length = queue.CopyOldest(buffer, out uint sequence);
                Assert.True(length > 0);
                AssertMessage(index, length, buffer);
                Assert.True(queue.RemoveIfOldest(sequence));
            }

            Assert.Equal(0, queue.Count);
        }

        private void AssertNothingDropped()
        {
            AssertDropped(0, 0, 0);
        }

        private void AssertDropped(int high, int low, int messages)
        {
            _events.Take(EventQueue.High, out int highCollected, out int highDropped);
            _events.Take(EventQueue.Low, out int lowCollected, out int lowDropped);
            _messages.Take(out int sent, out _, out int failed);
            Assert.Equal((0, high, 0, low, 0, messages), (highCollected, highDropped, lowCollected, lowDropped, sent, failed));
        }

        private static byte[] Message(int index, int length)
        {
            var body = new byte[length];
            Fill(body, index, length);
            return body;
        }

        /// <summary>A body only this message has: its index in the first bytes, then a pattern.</summary>
        private static void Fill(byte[] body, int index, int length)
        {
            for (int j = 0; j < length; j++)
            {
                body[j] = Pattern(index, j);
            }
        }

        private static byte Pattern(int index, int j)
        {
            return j < 4 ? (byte)(index >> (8 * j)) : (byte)(index * 31 + j);
        }

        private static bool HasPattern(int index, int length, byte[] buffer)
        {
            for (int j = 0; j < length; j++)
            {
                if (buffer[j] != Pattern(index, j))
                {
                    return false;
                }
            }

            return true;
        }

        private static void AssertMessage(int index, int length, byte[] buffer)
        {
            Assert.True(HasPattern(index, length, buffer), $"message {index} of {length} bytes is not intact");
        }
    }
}
