package io.relaxsd.mnist;

/**
 * One MNIST split in memory: {@code count} images of {@value #PIXELS} unsigned-byte pixels and
 * their labels. Loaded once, shared by the iterators.
 */
public final class MnistDataset {
    /** 28 × 28. */
    public static final int PIXELS = 784;

    private final byte[] pixels;
    private final byte[] labels;
    private final int count;

    MnistDataset(byte[] pixels, byte[] labels) {
        if (pixels.length != labels.length * PIXELS) {
            throw new MnistDataException("images and labels disagree: " + pixels.length / PIXELS + " images, "
                    + labels.length + " labels");
        }
        this.pixels = pixels;
        this.labels = labels;
        this.count = labels.length;
    }

    /** The training (60 000) or test (10 000) split of a verified location. */
    public static MnistDataset load(MnistFiles.Location location, boolean train) {
        MnistFile img = train ? MnistFile.TRAIN_IMAGES : MnistFile.TEST_IMAGES;
        MnistFile lab = train ? MnistFile.TRAIN_LABELS : MnistFile.TEST_LABELS;
        IdxReader.Images images = IdxReader.readImages(location.files().get(img));
        if (images.rows() * images.cols() != PIXELS) {
            throw new MnistDataException(location.files().get(img) + ": images are " + images.rows() + " x "
                    + images.cols() + ", expected 28 x 28");
        }
        return new MnistDataset(images.pixels(), IdxReader.readLabels(location.files().get(lab)));
    }

    /** From raw arrays (tests, synthetic data): {@code pixels.length == labels.length * 784}. */
    public static MnistDataset of(byte[] pixels, byte[] labels) {
        return new MnistDataset(pixels.clone(), labels.clone());
    }

    public int size() {
        return count;
    }

    /** Grey level 0..255 of pixel {@code p} of image {@code i}. */
    public int pixel(int i, int p) {
        return pixels[i * PIXELS + p] & 0xff;
    }

    public int label(int i) {
        return labels[i];
    }
}
