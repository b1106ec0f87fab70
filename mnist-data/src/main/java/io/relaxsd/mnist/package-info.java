/**
 * MNIST for the examples: {@link io.relaxsd.mnist.MnistFiles} finds, verifies (pinned SHA-256) and
 * if needed obtains the four idx files; {@link io.relaxsd.mnist.IdxReader} parses them;
 * {@link io.relaxsd.mnist.MnistIterator} serves seeded, resumable DL4J mini-batches in three pixel
 * modes. Entry point: {@link io.relaxsd.mnist.MnistIterators#train} / {@code test}.
 */
package io.relaxsd.mnist;
