package io.provability.fabric.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** Ports on 127.0.0.1: finding a free one, and telling whether one is listening. */
final class Loopback {

  static final String HOST = "127.0.0.1";
  static final InetAddress ADDRESS = InetAddress.getLoopbackAddress();

  /** How many times a service is started on fresh ports when the one picked was taken meanwhile. */
  static final int BIND_ATTEMPTS = 3;

  private Loopback() {}

  /**
   * A port that was free a moment ago. The servers that need their port before they start (the
   * broker, whose controller address is part of its own configuration, PostgreSQL, Redis) take it
   * from here; another process can grab it in between, which callers handle by trying again (see
   * {@link #lostPortRace(Throwable, int...)}).
   */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, ADDRESS)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + HOST, e);
    }
  }

  /** Whether something accepts TCP connections on {@code 127.0.0.1:port}. */
  static boolean isListening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(ADDRESS, port), 1_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Whether a start failed because another process took a port between {@link #freePort()} and the
   * bind: the failure says so, or, the failed server being down, something else now listens there.
   */
  static boolean lostPortRace(Throwable failure, int... ports) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BindException
          || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
        return true;
      }
    }
    for (int port : ports) {
      if (isListening(port)) {
        return true;
      }
    }
    return false;
  }
}
