package io.troupe.booster.cas;

import java.io.IOException;

/** An input file over the size limit: the sub-work runs locally and is not tried remotely (the size will not change). */
public final class FileTooLarge extends IOException {
    public FileTooLarge(String file, long size, long limit) {
        super("input file " + file + " is " + size + " bytes, over the limit of " + limit
                + " bytes (--max_file_size / troupe.booster.max-file-size)");
    }
}
