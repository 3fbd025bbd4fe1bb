/** Defaults of a hot-started search (kept apart so the configuration schema reads them without loading the zoo). */

/** Fine-tuning images of a warm child by default: a tenth of the cold default budget (2 epochs × 10,000 images). */
export const WARM_DEFAULT_IMAGES = 2000;
