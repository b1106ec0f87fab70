/**
 * relax-spark: networks with the relax stochastic layers trained on Apache Spark through DL4J's Spark
 * module ({@code ./relax dl4j-vae --spark MASTER}); the noise of each worker's copy is its own.
 */
package io.relaxsd.spark;
