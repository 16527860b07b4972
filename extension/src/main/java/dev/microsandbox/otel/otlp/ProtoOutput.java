package dev.microsandbox.otel.otlp;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte buffer protobuf fields are written into, and the sizes of fields, which a
 * length-delimited field needs before its contents are written. Every field number this package
 * writes is below 16, so a tag is one byte. Not thread-safe.
 */
public final class ProtoOutput {

  /** Wire types. */
  static final int VARINT = 0;

  static final int FIXED64 = 1;
  static final int LEN = 2;

  private byte[] bytes;
  private int length;

  /** An empty buffer of {@code capacity} bytes to begin with. */
  public ProtoOutput(int capacity) {
    bytes = new byte[capacity];
  }

  /** The one-byte tag of {@code field} (below 16) with {@code wireType}. */
  static int tag(int field, int wireType) {
    return field << 3 | wireType;
  }

  /** Bytes an unsigned varint of {@code value} takes. */
  static int varintSize(long value) {
    int size = 1;
    while ((value & ~0x7FL) != 0) {
      value >>>= 7;
      size++;
    }
    return size;
  }

  /** Bytes a length-delimited field with {@code payload} bytes of contents takes. */
  static int lenFieldSize(int payload) {
    return 1 + varintSize(payload) + payload;
  }

  void clear() {
    length = 0;
  }

  /** Bytes written. */
  public int length() {
    return length;
  }

  /** The bytes written are {@code array()[0, length())}; valid until the next write. */
  public byte[] array() {
    return bytes;
  }

  /** Room for the byte arrays of its writes kept (their capacity). */
  int capacity() {
    return bytes.length;
  }

  /** The tag of a length-delimited field and the length of its {@code payload} bytes to follow. */
  void lenHeader(int tag, int payload) {
    ensure(11);
    bytes[length++] = (byte) tag;
    length = putVarint(bytes, length, payload);
  }

  /**
   * Clears the buffer and makes room for {@code size} bytes; the array to write them into. A new
   * array gets an eighth more than asked, as requests of one sidecar differ by a few per cent:
   * doubling, as appends grow, would keep twice the largest request for good.
   */
  byte[] reserve(int size) {
    length = 0;
    if (bytes.length < size) {
      bytes = null; // the old contents are not needed: collectable while the new array is made
      bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 8, size + (long) size / 8)];
    }
    return bytes;
  }

  /** After writing into {@link #reserve}'s array directly: how much of it was written. */
  void setLength(int length) {
    this.length = length;
  }

  /** Writes {@code value} as an unsigned varint at {@code pos}; the position after it. */
  static int putVarint(byte[] b, int pos, long value) {
    while ((value & ~0x7FL) != 0) {
      b[pos++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    b[pos++] = (byte) value;
    return pos;
  }

  /** Writes {@code value} as eight little-endian bytes at {@code pos}; the position after them. */
  static int putFixed64(byte[] b, int pos, long value) {
    b[pos] = (byte) value;
    b[pos + 1] = (byte) (value >>> 8);
    b[pos + 2] = (byte) (value >>> 16);
    b[pos + 3] = (byte) (value >>> 24);
    b[pos + 4] = (byte) (value >>> 32);
    b[pos + 5] = (byte) (value >>> 40);
    b[pos + 6] = (byte) (value >>> 48);
    b[pos + 7] = (byte) (value >>> 56);
    return pos + 8;
  }

  /** A stream that appends to this buffer, for marshalers that write to a stream. */
  OutputStream asStream() {
    return new OutputStream() {
      @Override
      public void write(int b) {
        ensure(1);
        bytes[length++] = (byte) b;
      }

      @Override
      public void write(byte[] source, int offset, int count) {
        ensure(count);
        System.arraycopy(source, offset, bytes, length, count);
        length += count;
      }
    };
  }

  private void ensure(int more) {
    if (bytes.length - length < more) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
