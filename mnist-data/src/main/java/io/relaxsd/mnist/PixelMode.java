package io.relaxsd.mnist;

/** How grey levels 0..255 become model inputs. */
public enum PixelMode {
    /** x = pixel / 255, the targets of the ReinMax categorical VAE. */
    GREY,
    /** x = 1[pixel / 255 &gt; ½], a fixed binarisation. */
    THRESHOLD,
    /** x ~ Bernoulli(pixel / 255), resampled every epoch from a seeded generator. */
    DYNAMIC
}
