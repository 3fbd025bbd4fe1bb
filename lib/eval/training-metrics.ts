/** The metrics a trained child reports (testAccuracy only when the test split is scored); the rest of a trial's are the hardware report's. */
export const TRAINING_METRICS = ['accuracy', 'trainLoss', 'parameters', 'trainImagesPerS', 'testAccuracy'] as const;
