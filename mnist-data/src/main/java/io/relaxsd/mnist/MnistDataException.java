package io.relaxsd.mnist;

/** A problem with the MNIST files, described in one line that names the file and what is wrong. */
public final class MnistDataException extends RuntimeException {
    public MnistDataException(String message) {
        super(message);
    }

    public MnistDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
